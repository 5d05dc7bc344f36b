// Every certrpc server offers reflection and health, behind the same call gate as its own
// methods; reflection describes only what the server serves; server.health is the handle to flip.
import { status } from '@grpc/grpc-js';
import { join } from 'node:path';
// Not in @grpc/reflection's index: a server offering only the older v1alpha, as many still do.
import { ReflectionV1AlphaImplementation } from '@grpc/reflection/build/src/implementations/reflection-v1alpha';
import { echoService } from '../../src/demo/echo-service';
import { CallStage } from '../../src/gate/call-context';
import { CertrpcServer, createServer } from '../../src/server/create-server';
import { certrpcPackageDefinition } from '../../src/server/reflection';
import { runCli } from '../helpers/cli';
import { demoPki } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';
import { allowAllAuthenticated } from '../../src/authz/compiled-policy';

// bob may not read the schema: reflection is subject to the gate like any method.
const noReflectionForBob: CallStage = (ctx) => {
  if (ctx.method.startsWith('/grpc.reflection.') && ctx.caller?.identity.commonName === 'bob') {
    return { code: status.PERMISSION_DENIED, details: `CN=bob may not call ${ctx.method}` };
  }
};

describe('reflection and health on a server built with createServer', () => {
  const tmp = tempDir();
  const dir = join(tmp.dir, 'certs');
  let server: CertrpcServer;
  let address: string;
  let tls: { certPem: string; keyPem: string; clientCaPem: string };
  const certrpc = (args: string[]) => runCli(args, { env: { CERTRPC_DIR: dir } });

  beforeAll(async () => {
    const pki = await demoPki(dir);
    const id = pki.loadIdentity('server');
    tls = { certPem: id.certPem, keyPem: id.keyPem, clientCaPem: id.caPem };
    server = createServer({ tls, services: [echoService()], stages: [noReflectionForBob], policy: allowAllAuthenticated() });
    address = `127.0.0.1:${(await server.listen()).port}`;
  });
  afterAll(async () => {
    await server.shutdown(1000);
    tmp.cleanup();
  });

  it('lists exactly the services this server serves (not every proto certrpc ships)', async () => {
    const r = await certrpc(['list', address, '--identity', 'alice']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([
      'certrpc.v1.Identity',
      'demo.v1.Echo',
      'grpc.health.v1.Health',
      'grpc.reflection.v1.ServerReflection',
      'grpc.reflection.v1alpha.ServerReflection',
    ]);
  });

  it('reflection goes through the call gate: a stage that denies it ends list with 64+7', async () => {
    const r = await certrpc(['list', address, '--identity', 'bob']);
    expect(r.code).toBe(71);
    expect(r.stderr).toMatch(
      /^certrpc: PERMISSION_DENIED \(7\): CN=bob may not call \/grpc\.reflection\.v1\.ServerReflection\/ServerReflectionInfo/,
    );
    expect(r.stderr).toMatch(/fix: pass the schema with --proto FILE/);
  });

  it('health reports SERVING, then NOT_SERVING once the handle says so (and doctor stops there)', async () => {
    const serving = await certrpc(['call', address, 'grpc.health.v1.Health/Check', '--identity', 'alice']);
    expect(JSON.parse(serving.stdout)).toEqual({ status: 'SERVING' });
    server.health.setAll('NOT_SERVING');
    try {
      const check = await certrpc([
        'call',
        address,
        'grpc.health.v1.Health/Check',
        '--identity',
        'alice',
        '-d',
        '{"service":"demo.v1.Echo"}',
      ]);
      expect(JSON.parse(check.stdout)).toEqual({ status: 'NOT_SERVING' });
      const doctor = await certrpc(['doctor', address, '--identity', 'alice']);
      expect(doctor.code).toBe(1);
      expect(doctor.stdout).toMatch(/ok {4}WhoAmI[\s\S]*FAIL {2}health +the server reports NOT_SERVING/);
    } finally {
      server.health.setAll('SERVING');
    }
  });

  it('falls back to reflection v1alpha when a server has only that', async () => {
    const old = createServer({ tls, services: [echoService()], reflection: false, policy: allowAllAuthenticated() });
    new ReflectionV1AlphaImplementation(certrpcPackageDefinition()).addToServer(old.grpc);
    const oldAddress = `127.0.0.1:${(await old.listen()).port}`;
    try {
      const r = await certrpc(['call', oldAddress, 'demo.v1.Echo/Say', '--identity', 'alice', '-d', '{"message":"via v1alpha"}']);
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout)).toEqual({ message: 'via v1alpha' });
    } finally {
      await old.shutdown(1000);
    }
  });
});

// Issue 15, item 4: unix:///path targets. The server is a plain grpc-js server listening on a unix
// socket with mutual TLS (ServerCredentials.createSsl(ca, pairs, true)) and certrpc's gate
// (createInterceptor), as a sidecar or a local daemon would run it; the CLI calls it as a child
// process. TLS over the socket still checks the server's name: "localhost" unless --authority.
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { echoService } from '../../src/demo/echo-service';
import { IdentityService } from '../../src/gen/certrpc/v1/identity';
import { silentLogger } from '../../src/log/logger';
import { CertrpcInterceptor, createInterceptor } from '../../src/server/create-interceptor';
import { identityService } from '../../src/server/identity-service';
import { addStandardServices } from '../../src/server/standard-services';
import { PkiDir } from '../../src/store/pki-dir';
import { runCli } from '../helpers/cli';
import { demoPki } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';

const POLICY = join(__dirname, '..', '..', 'policy.yaml');

jest.setTimeout(120_000);

describe('unix socket targets', () => {
  const tmp = tempDir();
  const dir = join(tmp.dir, 'certs');
  const socket = join(tmp.dir, 'api.sock');
  const target = `unix://${socket}`;
  let pki: PkiDir;
  let server: Server;
  let interceptor: CertrpcInterceptor;
  const certrpc = (args: string[]) => runCli(args, { env: { CERTRPC_DIR: dir }, cwd: tmp.dir, timeoutMs: 60_000 });

  beforeAll(async () => {
    pki = await demoPki(dir);
    interceptor = createInterceptor({ policyFile: POLICY, audit: { mode: 'none' }, clientCaFiles: [pki.caCertFile] });
    server = new Server({ interceptors: [interceptor] });
    const echo = echoService();
    server.addService(IdentityService, identityService);
    server.addService(echo.definition, echo.implementation);
    addStandardServices(server, [IdentityService, echo.definition], { logger: silentLogger });
    const credentials = ServerCredentials.createSsl(
      readFileSync(pki.caCertFile),
      [{ cert_chain: readFileSync(pki.certFile('server')), private_key: readFileSync(pki.keyFile('server')) }],
      true,
    );
    await new Promise<void>((resolve, reject) => server.bindAsync(target, credentials, (err) => (err ? reject(err) : resolve())));
    await interceptor.ready;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server?.tryShutdown(() => resolve()));
    interceptor?.close();
    tmp.cleanup();
  });

  it('call, list and describe reach the server at unix:///ABSOLUTE/PATH, verified as localhost', async () => {
    const me = await certrpc(['call', target, 'certrpc.v1.Identity/WhoAmI', '--identity', 'alice']);
    expect(me.code).toBe(0);
    expect(JSON.parse(me.stdout)).toMatchObject({ commonName: 'alice', roles: ['admin'] });
    const list = await certrpc(['list', target, '--identity', 'bob']);
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n')).toEqual(expect.arrayContaining(['certrpc.v1.Identity', 'demo.v1.Echo', 'grpc.health.v1.Health']));
    const describe = await certrpc(['describe', target, 'demo.v1.Echo/Say', '--identity', 'bob']);
    expect(describe.stdout).toContain('rpc Say(.demo.v1.SayRequest) returns (.demo.v1.SayResponse);');
    const say = await certrpc(['call', target, 'demo.v1.Echo/Say', '--identity', 'bob', '-d', '{"message":"over a socket"}']);
    expect(say).toMatchObject({ code: 0, stdout: '{"message":"over a socket"}\n' });
  });

  it('unix:RELATIVE/PATH is relative to the working directory', async () => {
    const r = await certrpc(['call', 'unix:api.sock', 'certrpc.v1.Identity/WhoAmI', '--identity', 'bob']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).commonName).toBe('bob');
  });

  it('the policy still decides: bob may not Collect (exit 71)', async () => {
    const r = await certrpc(['call', target, 'demo.v1.Echo/Collect', '--identity', 'bob', '-d', '{"message":"x"}']);
    expect(r.code).toBe(71);
    expect(r.stderr).toMatch(/^certrpc: PERMISSION_DENIED \(7\): CN=bob/);
  });

  it("the server's name is checked over the socket too: another --authority is refused, naming the certificate's names", async () => {
    const r = await certrpc(['call', target, 'certrpc.v1.Identity/WhoAmI', '--identity', 'alice', '--authority', 'api.example']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /this client refused the server: the server's certificate is not valid for the name you dialed \(api\.example\): its names are DNS:localhost/,
    );
    expect(r.stderr).toContain(`run: certrpc doctor ${target} --identity alice --authority api.example`);
  });

  it('doctor checks every step over the socket', async () => {
    const r = await certrpc(['doctor', target, '--identity', 'alice']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`connected to ${target}`);
    expect(r.stdout).toMatch(/ok {4}server chain and names +CN=localhost, issued by CN=certrpc demo CA \(trusted\), valid for localhost/);
    expect(r.stdout).toMatch(/ok {4}WhoAmI +the server sees you as CN=alice/);
    expect(r.stdout).toMatch(/ok {4}health +SERVING/);
  });

  it('no socket at the path: exit 1, said in words, in call and doctor alike', async () => {
    const missing = `unix://${join(tmp.dir, 'gone.sock')}`;
    const r = await certrpc(['call', missing, 'certrpc.v1.Identity/WhoAmI', '--identity', 'alice']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `certrpc: could not connect: there is no socket at ${missing} [ENOENT]\n  fix: start the server, or check the path (unix:///ABSOLUTE/PATH)`,
    );
    const doctor = await certrpc(['doctor', missing, '--identity', 'alice']);
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/FAIL {2}TCP connect +there is no socket at unix:\/\//);
  });

  it.each(['unix:', 'unix://relative.sock', 'unix://'])('%s is a usage error (exit 2)', async (address) => {
    const r = await certrpc(['list', address, '--identity', 'alice']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`bad address "${address}": write unix:///ABSOLUTE/PATH or unix:RELATIVE/PATH for a unix socket`);
  });

  it('--proxy cannot reach a unix socket: exit 2', async () => {
    const r = await certrpc(['list', target, '--identity', 'alice', '--proxy', 'https://127.0.0.1:3129']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--proxy cannot reach ${target}: a unix socket is a file on this machine`);
  });
});

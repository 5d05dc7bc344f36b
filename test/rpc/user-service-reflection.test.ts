// Issue 14 item 9: reflection of the user's own services with no extra work. A ts-proto service
// (generated with outputSchema=true) and a proto-loader service, served by createServer() and by a
// plain grpc-js Server with createInterceptor() + addReflection(server); `certrpc list`, `describe`
// and `call` (a child process, no --proto) find both through reflection alone.
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { join } from 'node:path';
import pino from 'pino';
import { allowAllAuthenticated } from '../../src/authz/compiled-policy';
import { addReflection, callerOf, createInterceptor, createServer } from '../../src/entry/server';
import type { CertrpcServer } from '../../src/server/create-server';
import { GreeterService } from '../fixtures/gen/greeter/v1/greeter';
import { PickerService } from '../fixtures/gen/picker/v1/picker';
import { runCli } from '../helpers/cli';
import { demoPki } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';

const PROTOS = join(__dirname, '..', 'fixtures', 'proto');

// The user's handlers: the caller's CN in every answer, so the call is seen to pass the gate.
const greeter = {
  sayHello(call: grpc.ServerUnaryCall<{ name: string; language?: string }, unknown>, callback: grpc.sendUnaryData<{ message: string }>) {
    callback(null, {
      message: `hello ${call.request.name}${call.request.language ? ` in ${call.request.language}` : ''}, from ${callerOf(call).identity.commonName}`,
    });
  },
};
const inventory = {
  Count(call: grpc.ServerUnaryCall<{ sku: string }, unknown>, callback: grpc.sendUnaryData<unknown>) {
    callback(null, { sku: call.request.sku, count: 3, checkedAt: { seconds: 1_700_000_000, nanos: 0 } });
  },
};
const inventoryDefinition = () =>
  loadSync('inventory/v1/inventory.proto', { includeDirs: [PROTOS] })['inventory.v1.Inventory'] as grpc.ServiceDefinition;

describe('reflection describes the services of certrpc users', () => {
  const tmp = tempDir();
  const dir = join(tmp.dir, 'certs');
  const certrpc = (...args: string[]) => runCli([...args, '--identity', 'alice'], { env: { CERTRPC_DIR: dir } });
  const stops: (() => Promise<unknown> | void)[] = [];
  const CREATE_SERVER = 'createServer()';
  const PLAIN = 'a plain grpc-js Server with createInterceptor() and addReflection()';
  const addresses: Record<string, string> = {};
  const warnings: Record<string, unknown>[] = [];

  beforeAll(async () => {
    const pki = await demoPki(dir);
    const id = pki.loadIdentity('server');
    const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line)) });

    const server: CertrpcServer = createServer({
      tls: { certPem: id.certPem, keyPem: id.keyPem, clientCaPem: id.caPem },
      policy: allowAllAuthenticated(),
      logger,
      services: [
        { definition: GreeterService, implementation: greeter },
        { definition: inventoryDefinition(), implementation: inventory },
        { definition: PickerService, implementation: { pick: (_call: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, {}) } },
      ],
    });
    addresses[CREATE_SERVER] = `127.0.0.1:${(await server.listen()).port}`;
    stops.push(() => server.shutdown(1000));

    // A plain grpc-js server, as grpc-js's README builds one: reflection is one call, before the services.
    const interceptor = createInterceptor({ policy: allowAllAuthenticated(), clientCaPem: id.caPem });
    const plain = new grpc.Server({ interceptors: [interceptor] });
    addReflection(plain);
    plain.addService(GreeterService, greeter);
    plain.addService(inventoryDefinition(), inventory);
    const credentials = grpc.ServerCredentials.createSsl(
      Buffer.from(id.caPem),
      [{ cert_chain: Buffer.from(id.certPem), private_key: Buffer.from(id.keyPem) }],
      true,
    );
    const port = await new Promise<number>((resolve, reject) =>
      plain.bindAsync('127.0.0.1:0', credentials, (e, p) => (e ? reject(e) : resolve(p))),
    );
    addresses[PLAIN] = `127.0.0.1:${port}`;
    stops.push(() => {
      plain.forceShutdown();
      interceptor.close();
    });
  });
  afterAll(async () => {
    for (const stop of stops) await stop();
    tmp.cleanup();
  });

  it.each([CREATE_SERVER, PLAIN])('%s: list shows the ts-proto and the proto-loader service', async (server) => {
    const r = await certrpc('list', addresses[server]);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')).toEqual(expect.arrayContaining(['greeter.v1.Greeter', 'inventory.v1.Inventory']));
  });

  it.each([CREATE_SERVER, PLAIN])('%s: describe and call work with no --proto', async (server) => {
    const address = addresses[server];
    const described = await certrpc('describe', address, 'greeter.v1.Greeter');
    expect(described.stdout).toMatch(
      /rpc SayHello\s*\(\s*\.?greeter\.v1\.SayHelloRequest\s*\)\s*returns\s*\(\s*\.?greeter\.v1\.SayHelloResponse\s*\)/,
    );
    const message = await certrpc('describe', address, 'greeter.v1.SayHelloRequest');
    expect(message.stdout).toMatch(/optional string language = 2;/);
    const hello = await certrpc('call', address, 'greeter.v1.Greeter/SayHello', '-d', '{"name":"bob","language":"en"}');
    expect(hello.stderr).toBe('');
    expect(JSON.parse(hello.stdout)).toEqual({ message: 'hello bob in en, from alice' });
    const count = await certrpc('call', address, 'inventory.v1.Inventory/Count', '-d', '{"sku":"x-1"}');
    expect(count.stderr).toBe('');
    expect(JSON.parse(count.stdout)).toEqual({ sku: 'x-1', count: '3', checkedAt: '2023-11-14T22:13:20Z' });
  });

  it('a service whose schema cannot be told faithfully is left out and named in the log, not guessed', async () => {
    const r = await certrpc('list', addresses[CREATE_SERVER]);
    expect(r.stdout).not.toContain('picker.v1.Picker');
    expect(warnings).toContainEqual(
      expect.objectContaining({ msg: expect.stringMatching(/^reflection cannot describe picker\.v1\.Picker: .*ts-proto issue #1021/) }),
    );
  });
});

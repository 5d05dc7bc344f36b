// Issue 12 item 10: policy wildcards are matched in linear time. A peer chooses the values that
// patterns are matched against (a header, a CONNECT host); as backtracking regular expressions,
// `*-*-*-eu` took seconds and `*-*-*-*-*-*-eu` longer than anyone waits, blocking the event loop
// of a server or a proxy for every other caller. Real `certrpc serve` and `certrpc proxy`
// processes, real certificates: the hostile request is answered, and so is a caller on another
// connection. (Before the fix, neither ever was: the suite hung until its timeout.)
import { status as Status } from '@grpc/grpc-js';
import { Metadata } from '@grpc/grpc-js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { PkiDir } from '../../src/store/pki-dir';
import { demoClients, grpcError, unary } from '../helpers/calls';
import { RunningServer, runCli, startCli } from '../helpers/cli';
import { clientTls, demoPki, issue } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';

const POLICY = `
roles:
  admin: [{ cn: alice }]
  reader: [{ cn: bob }]
rules:
  - { name: admin-everything, roles: [admin], methods: ["*"] }
  - name: eu-readers
    roles: [reader]
    methods: [/demo.v1.KeyValue/Get]
    headers: { x-region: ["*-*-*-eu", "*-*-*-*-*-*-eu"] }
  - { name: eu-tunnels, roles: ["*"], connect: ["*-*-*-eu:443", "*-*-*-*-*-*-eu:443"] }
  - { name: admin-tunnels, roles: [admin], connect: ["*"] }
`;

describe('wildcards against hostile values: linear time, the server stays responsive', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  let server: RunningServer;
  let proxy: RunningServer;

  beforeAll(async () => {
    pki = await demoPki(tmp.dir);
    await issue(pki, 'carol'); // trusted, and no role in the policy
    writeFileSync(join(tmp.dir, 'policy.yaml'), POLICY);
    expect((await runCli(['cert', 'issue', 'proxy', '--server', '--san', 'DNS:localhost,IP:127.0.0.1', '--dir', tmp.dir])).code).toBe(0);
    server = await startCli([
      'serve',
      '--demo',
      '--dir',
      tmp.dir,
      '--port',
      '0',
      '--policy',
      join(tmp.dir, 'policy.yaml'),
      '--audit',
      'none',
    ]);
    proxy = await startCli(['proxy', '--dir', tmp.dir, '--listen', '127.0.0.1:0', '--policy', join(tmp.dir, 'policy.yaml')]);
  });
  afterAll(async () => {
    await proxy?.stop('SIGKILL');
    await server?.stop('SIGKILL');
    tmp.cleanup();
  });

  it('a 2,000-character header against "*-*-*-eu" is decided, and a call on another connection completes', async () => {
    const bob = demoClients(server.address, clientTls(pki, 'bob'));
    const alice = demoClients(server.address, clientTls(pki, 'alice'));
    try {
      const hostile = new Metadata();
      hostile.set('x-region', '-'.repeat(2000)); // many ways to place each "-", and no "eu" at the end
      const [denied, aliceGet] = await Promise.all([
        grpcError(unary(bob.kv, bob.kv.get, { key: 'k' }, hostile)),
        unary(alice.kv, alice.kv.get, { key: 'k' }),
      ]);
      expect(denied).toMatchObject({ code: Status.PERMISSION_DENIED });
      expect(denied.details).toMatch(/rule "eu-readers" also requires header "x-region" matching \*-\*-\*-eu or \*-\*-\*-\*-\*-\*-eu/);
      expect(aliceGet).toMatchObject({ found: false });
      // The same pattern still matches what it should, on a long value too.
      const eu = new Metadata();
      eu.set('x-region', `${'-'.repeat(2000)}eu`);
      expect(await unary(bob.kv, bob.kv.get, { key: 'k' }, eu)).toMatchObject({ found: false });
    } finally {
      bob.close();
      alice.close();
    }
  });

  it('a CONNECT host of 249 characters against "*-*-*-*-*-*-eu" from a caller with no role is refused, and the proxy keeps serving', async () => {
    const label = `${'a-'.repeat(30)}a`; // 61 characters, full of "-"
    const host = `${[label, label, label, label].join('.')}.a`; // a valid 249-character host name, no "eu" at the end
    const [hostile, other] = await Promise.all([connectStatus(pki, 'carol', `${host}:443`), connectStatus(pki, 'alice', server.address)]);
    expect(hostile).toMatch(/^HTTP\/1\.1 403 /);
    expect(other).toMatch(/^HTTP\/1\.1 200 /);
  });

  /** Opens a TLS connection to the proxy as NAME, asks CONNECT target, returns the status line. */
  function connectStatus(dir: PkiDir, name: string, target: string): Promise<string> {
    const [host, port] = proxy.address.split(':');
    return new Promise((resolve, reject) => {
      const socket = tlsConnect({
        host,
        port: Number(port),
        servername: 'localhost',
        ca: readFileSync(dir.caCertFile),
        cert: readFileSync(dir.certFile(name)),
        key: readFileSync(dir.keyFile(name)),
      });
      let answer = '';
      socket.on('secureConnect', () => socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`));
      socket.on('data', (d) => {
        answer += d;
        if (answer.includes('\r\n')) {
          socket.destroy();
          resolve(answer.split('\r\n')[0]);
        }
      });
      socket.on('error', reject);
    });
  }
});

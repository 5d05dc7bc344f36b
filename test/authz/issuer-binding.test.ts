// Issue 12 item 11: roles may be bound to the CA that issued the certificate. A server trusting
// three client CAs (the demo CA, a "twin" CA with the very same subject, and an unrelated one),
// each of which issued a certificate for CN=alice: only alice's certificate from the CA her
// principals name gets her roles. The server and `policy check` warn about principals any
// trusted CA could match; `policy explain --issuer` shows the same decisions offline.
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { status as Status } from '@grpc/grpc-js';
import { PkiDir } from '../../src/store/pki-dir';
import { demoClients, grpcError, unary } from '../helpers/calls';
import { RunningServer, runCli, startCli } from '../helpers/cli';
import { eventually, logLines } from '../helpers/eventually';
import { clientTls, demoPki } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';
import { requireTool, run } from '../helpers/tools';

describe('principals bound to their issuing CA, on a server trusting three client CAs', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  let server: RunningServer;
  let policyFile: string;
  let clientCaFlags: string[];
  let demoFingerprint: string;
  const clients: ReturnType<typeof demoClients>[] = [];

  /** Client material for NAME (signed by whichever CA), trusting the server's CA. */
  const as = (name: string) => {
    const c = demoClients(server.address, { ...clientTls(pki, name), caPem: readFileSync(pki.caCertFile, 'utf8') });
    clients.push(c);
    return c;
  };
  const cli = async (...args: string[]) => {
    const r = await runCli(args);
    expect([r.code, r.stderr]).toEqual([0, '']);
    return r;
  };

  beforeAll(async () => {
    pki = await demoPki(tmp.dir); // "CN=certrpc demo CA": alice, bob
    await cli('pki', 'init', '--name', 'twin', '--cn', 'certrpc demo CA', '--dir', tmp.dir);
    await cli('pki', 'init', '--name', 'other', '--cn', 'other CA', '--dir', tmp.dir);
    await cli('cert', 'issue', 'alice-twin', '--client', '--cn', 'alice', '--ca', 'twin', '--dir', tmp.dir);
    await cli('cert', 'issue', 'alice-other', '--client', '--cn', 'alice', '--ca', 'other', '--dir', tmp.dir);
    // As `cert inspect` prints it, written lower-case without colons: both forms are accepted.
    demoFingerprint = new X509Certificate(readFileSync(pki.caCertFile)).fingerprint256;
    policyFile = join(tmp.dir, 'policy.yaml');
    writeFileSync(
      policyFile,
      `roles:
  admin:
    - { cn: alice, issuer: "CN=certrpc demo CA" }
  root:
    - { cn: alice, issuerFingerprint: "${demoFingerprint.replace(/:/g, '').toLowerCase()}" }
  reader:
    - cn: bob
rules:
  - { name: admin-reads, roles: [admin, reader], methods: [/demo.v1.KeyValue/Get] }
  - { name: root-writes, roles: [root], methods: [/demo.v1.KeyValue/Put] }
  - { name: whoami, roles: ["*"], methods: [/certrpc.v1.Identity/WhoAmI] }
`,
    );
    clientCaFlags = [
      '--client-ca',
      pki.caCertFile,
      '--client-ca',
      pki.namedCaCertFile('twin'),
      '--client-ca',
      pki.namedCaCertFile('other'),
    ];
    server = await startCli([
      'serve',
      '--demo',
      '--dir',
      tmp.dir,
      '--port',
      '0',
      '--policy',
      policyFile,
      '--audit',
      'none',
      ...clientCaFlags,
    ]);
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await server?.stop();
    tmp.cleanup();
  });

  it('alice from the demo CA holds every alice role; a CN=alice from an unrelated trusted CA holds none', async () => {
    expect((await as('alice').whoAmI()).roles).toEqual(['admin', 'root']);
    expect((await as('alice-other').whoAmI()).roles).toEqual([]);
    const other = as('alice-other');
    const denied = await grpcError(unary(other.kv, other.kv.put, { key: 'k', value: 'v' }));
    expect(denied).toMatchObject({
      code: Status.PERMISSION_DENIED,
      details:
        'CN=alice (no roles) may not call /demo.v1.KeyValue/Put: this certificate matches no role in policy "policy"; allowed roles are root (ask the policy owner to grant one to CN=alice)',
    });
    const alice = as('alice');
    await unary(alice.kv, alice.kv.put, { key: 'k', value: 'v' });
  });

  it('a CA with the same subject passes an issuer: binding but not an issuerFingerprint: binding', async () => {
    expect((await as('alice-twin').whoAmI()).roles).toEqual(['admin']);
    const twin = as('alice-twin');
    expect((await grpcError(unary(twin.kv, twin.kv.put, { key: 'k', value: 'v' }))).code).toBe(Status.PERMISSION_DENIED);
  });

  it('the server warns once: three client CAs and an unbound principal; a subject that names two trusted CAs', async () => {
    const warnings = await eventually(() => {
      const found = logLines(server.logs()).filter((l) => l.event === 'policy_issuer_binding');
      return found.length >= 2 && found;
    }, 'the issuer-binding warnings');
    expect(warnings.map((w) => w.msg)).toEqual([
      expect.stringMatching(
        /^3 client CAs are trusted \("CN=certrpc demo CA" \(.*\), "CN=certrpc demo CA" \(.*\), "CN=other CA" \(.*\)\); principals of reader \(.*policy\.yaml:6\) are not bound to an issuer/,
      ),
      expect.stringMatching(/^role admin \(.*policy\.yaml:2\): issuer "CN=certrpc demo CA" names 2 trusted CAs/),
    ]);
    expect(String(warnings[0].fix)).toMatch(/issuer: "SUBJECT" or issuerFingerprint:/);
  });

  it('policy check prints the same warnings for the same client CAs, and exits 0', async () => {
    const r = await runCli(['policy', 'check', policyFile, ...clientCaFlags]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /policy\.yaml: warning: 3 client CAs are trusted .* principals of reader .* are not bound to an issuer.*\n {2}fix: add issuer:/,
    );
    expect(r.stderr).toMatch(/warning: role admin .*: issuer "CN=certrpc demo CA" names 2 trusted CAs/);
    const one = await runCli(['policy', 'check', policyFile, '--client-ca', pki.caCertFile]);
    expect([one.code, one.stderr]).toEqual([0, '']);
  });

  it('policy explain --issuer decides as the server does', async () => {
    const explain = (name: string, issuer: string) =>
      runCli(['policy', 'explain', policyFile, '--cert', pki.certFile(name), '--issuer', issuer, '--method', '/demo.v1.KeyValue/Put']);
    const alice = await explain('alice', pki.caCertFile);
    expect(alice.code).toBe(0);
    expect(alice.stdout).toMatch(/root {2}\(cn "alice" matches "alice", issuerFingerprint [0-9A-F:]{95}\)/);
    const twin = await explain('alice-twin', pki.namedCaCertFile('twin'));
    expect(twin.code).toBe(64 + Status.PERMISSION_DENIED);
    expect(twin.stdout).toMatch(/roles: {4}admin {2}\(cn "alice" matches "alice", issuer "CN=certrpc demo CA"\)\n/);
    const wrong = await explain('alice-twin', pki.caCertFile);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/was not signed by "CN=certrpc demo CA"/);
    const byCn = await runCli([
      'policy',
      'explain',
      policyFile,
      '--cn',
      'alice',
      '--issuer',
      demoFingerprint,
      '--method',
      '/demo.v1.KeyValue/Put',
    ]);
    expect(byCn.code).toBe(0);
  });
});

describe('a client certificate from an intermediate CA the client sends along', () => {
  const tmp = tempDir();
  let server: RunningServer;
  let pki: PkiDir;
  let ivan: ReturnType<typeof demoClients>;

  beforeAll(async () => {
    const openssl = requireTool('openssl');
    pki = await demoPki(join(tmp.dir, 'certs'));
    const f = (name: string) => join(tmp.dir, name);
    const ok = async (...args: string[]) => expect((await run(openssl, args)).code).toBe(0);
    const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    writeFileSync(
      f('ca.ext'),
      'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n',
    );
    writeFileSync(
      f('leaf.ext'),
      'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\nauthorityKeyIdentifier=keyid\n',
    );
    await ok(
      'req',
      '-x509',
      ...newKey,
      '-keyout',
      f('root.key'),
      '-out',
      f('root.pem'),
      '-subj',
      '/CN=chain root',
      '-days',
      '2',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    );
    await ok('req', ...newKey, '-keyout', f('inter.key'), '-out', f('inter.csr'), '-subj', '/CN=chain intermediate');
    await ok(
      'x509',
      '-req',
      '-in',
      f('inter.csr'),
      '-CA',
      f('root.pem'),
      '-CAkey',
      f('root.key'),
      '-set_serial',
      '2',
      '-out',
      f('inter.pem'),
      '-days',
      '2',
      '-extfile',
      f('ca.ext'),
    );
    await ok('req', ...newKey, '-keyout', f('ivan.key'), '-out', f('ivan.csr'), '-subj', '/CN=ivan');
    await ok(
      'x509',
      '-req',
      '-in',
      f('ivan.csr'),
      '-CA',
      f('inter.pem'),
      '-CAkey',
      f('inter.key'),
      '-set_serial',
      '3',
      '-out',
      f('ivan.pem'),
      '-days',
      '2',
      '-extfile',
      f('leaf.ext'),
    );
    const fp = (file: string) => new X509Certificate(readFileSync(file)).fingerprint256;
    writeFileSync(
      f('policy.yaml'),
      `roles:
  by-intermediate: [{ cn: ivan, issuerFingerprint: "${fp(f('inter.pem'))}" }]
  by-root: [{ cn: ivan, issuerFingerprint: "${fp(f('root.pem'))}" }]
  by-name: [{ cn: ivan, issuer: "CN=chain intermediate" }]
rules:
  - { roles: ["*"], methods: [/certrpc.v1.Identity/WhoAmI] }
`,
    );
    server = await startCli([
      'serve',
      '--demo',
      '--dir',
      pki.dir,
      '--port',
      '0',
      '--policy',
      f('policy.yaml'),
      '--client-ca',
      f('root.pem'),
    ]);
    const chain = `${readFileSync(f('ivan.pem'), 'utf8')}${readFileSync(f('inter.pem'), 'utf8')}`;
    ivan = demoClients(server.address, {
      caPem: readFileSync(pki.caCertFile, 'utf8'),
      certPem: chain,
      keyPem: readFileSync(f('ivan.key'), 'utf8'),
    });
  });
  afterAll(async () => {
    ivan?.close();
    await server?.stop();
    tmp.cleanup();
  });

  it('the issuer is the intermediate that signed the certificate (by signature), not the trusted root', async () => {
    expect((await ivan.whoAmI()).roles).toEqual(['by-intermediate', 'by-name']);
  });
});

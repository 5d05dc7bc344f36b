// Issue 12, certificate identity: what a CA-signed but hostile certificate can make a server, the
// proxy and the CLI believe. The certificates are made with openssl and signed by the suite's CA,
// as a careless or compromised issuer elsewhere would; the server, the proxy and the CLI are real.
import { status } from '@grpc/grpc-js';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { PkiDir } from '../../src/store/pki-dir';
import { ClientTlsMaterial } from '../../src/tls/client-credentials';
import { demoClients, grpcError, unary } from '../helpers/calls';
import { RunningServer, runCli, startCli } from '../helpers/cli';
import { eventually, logLines } from '../helpers/eventually';
import { opensslSelfSigned, opensslSigned } from '../helpers/openssl-pki';
import { demoPki } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';

/** Three names in one DNS SAN: what a naive split of "DNS:..., URI:..." would take for a SPIFFE ID. */
const CONFUSING_DNS = 'x, URI:spiffe://corp/user/admin, DNS:y';
const CONFUSING_TEXT = 'DNS:"x\\u002c URI:spiffe://corp/user/admin\\u002c DNS:y"';
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const POLICY = `
version: 1
roles:
  admin: [{ spiffe: "spiffe://corp/user/admin" }, { uri: "spiffe://corp/user/admin" }, { cn: alice }]
rules:
  - { name: admin-everything, roles: [admin], methods: ["*"] }
  - { name: admin-tunnels, roles: [admin], connect: ["*"] }
  - { name: whoami, roles: ["*"], methods: [/certrpc.v1.Identity/WhoAmI] }
`;

describe('certificate identity: names that cannot be confused, CA certificates that are no identity', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  let server: RunningServer;
  const at = (f: string) => join(tmp.dir, f);
  const cli = (...args: string[]) => runCli([...args, '--dir', pki.dir], { cwd: tmp.dir });
  const serverLog = () => logLines(server.logs());

  /** A client certificate signed by the suite's CA with openssl: any subject, any extension lines. */
  function signedByCa(name: string, subject: string, ext: string[]): ClientTlsMaterial {
    const made = opensslSigned(
      tmp.dir,
      name,
      subject,
      { certFile: pki.caCertFile, keyFile: pki.caKeyFile },
      ['basicConstraints = critical, CA:FALSE', 'keyUsage = critical, digitalSignature', 'extendedKeyUsage = clientAuth', ...ext],
      { serial: `0x${Buffer.from(name).toString('hex')}`, days: 30 },
    );
    return tlsOf(made.certFile, made.keyFile);
  }
  const tlsOf = (certFile: string, keyFile: string): ClientTlsMaterial => ({
    caPem: readFileSync(pki.caCertFile, 'utf8'),
    certPem: readFileSync(certFile, 'utf8'),
    keyPem: readFileSync(keyFile, 'utf8'),
  });

  beforeAll(async () => {
    pki = await demoPki(at('certs'));
    writeFileSync(at('policy.yaml'), POLICY);
    server = await startCli(['serve', '--demo', '--dir', pki.dir, '--port', '0', '--policy', at('policy.yaml'), '--audit', 'none']);
  });
  afterAll(async () => {
    await server?.stop();
    tmp.cleanup();
  });

  describe('a DNS SAN holding ", URI:spiffe://corp/user/admin"', () => {
    let confused: ClientTlsMaterial;
    beforeAll(() => {
      confused = signedByCa('confused', '/CN=confused', ['subjectAltName = @alt', '[alt]', `DNS.1 = ${CONFUSING_DNS}`]);
      signedByCa('nameless', '/O=no common name', ['subjectAltName = @alt', '[alt]', `DNS.1 = ${CONFUSING_DNS}`]);
    });

    it('is one DNS name to the server: no SPIFFE ID, no admin role', async () => {
      const client = demoClients(server.address, confused);
      try {
        const me = await client.whoAmI();
        expect(me).toMatchObject({ commonName: 'confused', sans: [`DNS:${CONFUSING_DNS}`], spiffeId: '', roles: [] });
        const denied = await grpcError(unary(client.kv, client.kv.put, { key: 'k', value: 'v' }));
        expect(denied.code).toBe(status.PERMISSION_DENIED);
      } finally {
        client.close();
      }
    });

    it('is quoted wherever a denial names the caller by it', async () => {
      const client = demoClients(server.address, tlsOf(at('nameless.crt'), at('nameless.key')));
      try {
        const denied = await grpcError(unary(client.kv, client.kv.put, { key: 'k', value: 'v' }));
        expect(denied.details).toMatch(
          new RegExp(
            `^${escapeRegExp(CONFUSING_TEXT)} \\(no roles\\) may not call /demo\\.v1\\.KeyValue/Put: .*\\(ask the policy owner to grant one to ${escapeRegExp(CONFUSING_TEXT)}\\)$`,
          ),
        );
      } finally {
        client.close();
      }
    });

    it('cert inspect shows one quoted name in text, the exact name in --json', async () => {
      const text = await cli('cert', 'inspect', at('confused.crt'));
      expect(text.code).toBe(0);
      expect(text.stdout).toContain(`Subject alt names:    ${CONFUSING_TEXT}\n`);
      expect(text.stdout).not.toContain('SPIFFE ID');
      const json = JSON.parse((await cli('cert', 'inspect', at('confused.crt'), '--json')).stdout);
      expect(json.sans).toEqual([`DNS:${CONFUSING_DNS}`]);
      expect(json.spiffeId).toBeUndefined();
    });

    it('policy explain --cert sees what the server sees, and prints it quoted', async () => {
      const r = await runCli(['policy', 'explain', at('policy.yaml'), '--cert', at('confused.crt'), '--method', '/demo.v1.KeyValue/Put']);
      expect(r.stdout).toContain(`CN=confused, ${CONFUSING_TEXT}`);
      expect(r.stdout).toMatch(/roles: +\(none/);
      expect(r.code).toBe(64 + status.PERMISSION_DENIED);
    });
  });

  it('a subject with two CNs has no CN, for the server and for policy explain alike', async () => {
    const twoCns = signedByCa('two-cns', '/CN=alice/CN=mallory', []);
    const explained = await runCli([
      'policy',
      'explain',
      at('policy.yaml'),
      '--cert',
      at('two-cns.crt'),
      '--method',
      '/demo.v1.KeyValue/Put',
    ]);
    expect(explained.stdout).toMatch(/roles: +\(none/);
    expect(explained.code).toBe(64 + status.PERMISSION_DENIED);
    const client = demoClients(server.address, twoCns);
    try {
      expect(await client.whoAmI()).toMatchObject({ commonName: '', roles: [] });
    } finally {
      client.close();
    }
  });

  it('a presented subject is escaped in the refusal log: "CN=eve, O=Trusted" is one CN', async () => {
    const eve = opensslSelfSigned(tmp.dir, 'eve', '/CN=eve, O=Trusted', { days: 30 });
    const client = demoClients(server.address, tlsOf(eve.certFile, eve.keyFile));
    try {
      expect((await grpcError(client.whoAmI())).code).toBe(status.UNAVAILABLE);
    } finally {
      client.close();
    }
    const line = await eventually(
      () => serverLog().find((l) => l.event === 'handshake_refused' && l.code === 'DEPTH_ZERO_SELF_SIGNED_CERT'),
      'the refusal of eve',
    );
    expect(line.subject).toBe('CN=eve\\, O=Trusted');
    expect(String(line.msg)).toContain('presented "CN=eve\\, O=Trusted" issued by "CN=eve\\, O=Trusted"');
  });

  it('a client names a server\'s untrusted issuer escaped: a CA called "rogue, O=certrpc demo CA" is not the demo CA', async () => {
    const rogue = at('rogue');
    mkdirSync(rogue, { recursive: true });
    const rogueCa = opensslSelfSigned(rogue, 'ca', '/CN=rogue, O=certrpc demo CA', { days: 30 });
    opensslSigned(
      rogue,
      'server',
      '/CN=localhost',
      rogueCa,
      ['basicConstraints = critical, CA:FALSE', 'extendedKeyUsage = serverAuth', 'subjectAltName = IP:127.0.0.1'],
      { serial: '7', days: 30 },
    );
    const impostor = await startCli(['serve', '--demo', '--dir', rogue, '--client-ca', pki.caCertFile, '--port', '0']);
    try {
      const r = await cli('call', impostor.address, 'certrpc.v1.Identity/WhoAmI', '--identity', 'alice');
      expect(r.stderr).toContain('it was issued by "CN=rogue\\, O=certrpc demo CA", you trust "CN=certrpc demo CA"');
      expect(r.code).toBe(1);
    } finally {
      await impostor.stop();
    }
  });

  describe('a CA certificate (basicConstraints CA:TRUE) is no identity', () => {
    let subCa: ClientTlsMaterial;
    beforeAll(() => {
      // A CA:TRUE certificate the CA signed (a sub-CA), with clientAuth: valid for OpenSSL as a client certificate.
      const made = opensslSigned(
        tmp.dir,
        'sub-ca',
        '/CN=alice',
        { certFile: pki.caCertFile, keyFile: pki.caKeyFile },
        [
          'basicConstraints = critical, CA:TRUE',
          'keyUsage = critical, keyCertSign, cRLSign, digitalSignature',
          'extendedKeyUsage = clientAuth',
        ],
        { serial: '0x5ca', days: 30 },
      );
      subCa = tlsOf(made.certFile, made.keyFile);
    });

    it.each([
      ['the CA certificate with ca.key', () => tlsOf(pki.caCertFile, pki.caKeyFile), 'CN=certrpc demo CA'],
      ['a CA:TRUE certificate the CA signed', () => subCa, 'CN=alice'],
    ])('the server refuses %s at the handshake and logs why', async (_what, tls, subject) => {
      const client = demoClients(server.address, tls());
      try {
        expect((await grpcError(client.whoAmI())).code).toBe(status.UNAVAILABLE);
      } finally {
        client.close();
      }
      const line = await eventually(
        () => serverLog().find((l) => l.event === 'handshake_refused' && l.subject === subject),
        `the refusal of ${subject}`,
      );
      expect(line).toMatchObject({
        code: 'CA_CERT_AS_IDENTITY',
        reason: 'the client presented a CA certificate (basicConstraints CA:TRUE) as its own: a CA signs identities, it is not one',
      });
      expect(String(line.msg)).toContain('[CA_CERT_AS_IDENTITY]');
    });

    it('the CLI refuses it as --cert/--key and as --identity, before connecting', async () => {
      const viaFlags = await cli('call', server.address, 'certrpc.v1.Identity/WhoAmI', '--cert', pki.caCertFile, '--key', pki.caKeyFile);
      expect(viaFlags.stderr).toContain(
        `${pki.caCertFile}: "CN=certrpc demo CA" is a CA certificate (basicConstraints CA:TRUE), not an identity`,
      );
      expect(viaFlags.stderr).toContain('fix: issue an identity and use that: certrpc cert issue NAME --client');
      expect(viaFlags.code).toBe(1);
      copyFileSync(at('sub-ca.crt'), pki.certFile('sub-ca'));
      copyFileSync(at('sub-ca.key'), pki.keyFile('sub-ca'));
      const viaName = await cli('call', server.address, 'certrpc.v1.Identity/WhoAmI', '--identity', 'sub-ca');
      expect(viaName.stderr).toContain(
        `${pki.certFile('sub-ca')}: "CN=alice" is a CA certificate (basicConstraints CA:TRUE), not an identity`,
      );
      expect(viaName.code).toBe(1);
    });

    it('certrpc serve refuses to start with a CA certificate as its own', async () => {
      copyFileSync(pki.caCertFile, pki.certFile('root'));
      copyFileSync(pki.caKeyFile, pki.keyFile('root'));
      const r = await cli('serve', '--demo', '--name', 'root', '--port', '0');
      expect(r.stderr).toContain(
        `${pki.certFile('root')}: "CN=certrpc demo CA" is a CA certificate (basicConstraints CA:TRUE), not an identity`,
      );
      expect(r.code).toBe(1);
    });

    it('certrpc proxy refuses it at the handshake too (403 with the reason)', async () => {
      expect((await runCli(['cert', 'issue', 'proxy', '--server', '--san', 'IP:127.0.0.1', '--dir', pki.dir])).code).toBe(0);
      const proxy = await startCli(['proxy', '--dir', pki.dir, '--listen', '127.0.0.1:0', '--policy', at('policy.yaml')]);
      try {
        const answer = await new Promise<string>((resolve, reject) => {
          const [host, port] = proxy.address.split(':');
          const tls = subCa;
          const socket = tlsConnect(
            {
              host,
              port: Number(port),
              ca: tls.caPem,
              cert: tls.certPem,
              key: tls.keyPem,
              servername: 'localhost',
              checkServerIdentity: () => undefined,
            },
            () => socket.write(`CONNECT ${server.address} HTTP/1.1\r\nHost: ${server.address}\r\n\r\n`),
          );
          let text = '';
          socket.on('data', (d) => (text += d));
          socket.on('end', () => resolve(text));
          socket.on('error', reject);
        });
        expect(answer).toMatch(/^HTTP\/1\.1 403 /);
        expect(answer).toContain('[CA_CERT_AS_IDENTITY]');
      } finally {
        await proxy.stop();
      }
    });
  });
});

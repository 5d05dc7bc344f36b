// Issue 12, issuance: the CA signs only the names its operator states. CSRs are made by openssl
// (as a requester elsewhere would), signed by the real CLI, and used against a real server.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PkiDir } from '../../src/store/pki-dir';
import { demoClients } from '../helpers/calls';
import { runCli, startCli } from '../helpers/cli';
import { demoPki } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';

const ADMIN_NAMES = ['URI:spiffe://corp/user/admin', 'DNS:billing.corp', 'email:ops@corp'];
const POLICY = `
version: 1
roles:
  admin: [{ spiffe: "spiffe://corp/user/admin" }, { dns: billing.corp }, { email: ops@corp }]
rules:
  - { name: admin-everything, roles: [admin], methods: ["*"] }
  - { name: whoami, roles: ["*"], methods: [/certrpc.v1.Identity/WhoAmI] }
`;

describe('cert sign / cert issue: the signer names the certificate', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  const dir = () => pki.dir;
  const cli = (...args: string[]) => runCli([...args, '--dir', dir()], { cwd: tmp.dir });
  const at = (file: string) => join(tmp.dir, file);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: tmp.dir, stdio: 'pipe' }).toString();
  const text = (certFile: string) => openssl('x509', '-in', certFile, '-noout', '-text');

  /** openssl req -new with a fresh key: `key` is openssl's -newkey (or -key FILE), `ext` lines go to a config section. */
  function csr(name: string, subject: string, options: { newkey?: string[]; ext?: string[] } = {}): string {
    const config = at(`${name}.cnf`);
    writeFileSync(config, `[req]\ndistinguished_name = dn\nreq_extensions = ext\n[dn]\n[ext]\n${(options.ext ?? []).join('\n')}\n`);
    const key = options.newkey ?? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
    openssl('req', '-new', ...key, '-nodes', '-keyout', `${name}.key`, '-subj', subject, '-config', config, '-out', `${name}.csr`);
    return at(`${name}.csr`);
  }

  beforeAll(async () => {
    pki = await demoPki(join(tmp.dir, 'certs'));
    writeFileSync(at('policy.yaml'), POLICY);
  });
  afterAll(() => tmp.cleanup());

  it('a CSR asking for admin names and CA:TRUE gets its CN only: no SAN, no CA flag, and no admin role on a real server', async () => {
    const request = csr('app', '/CN=app', {
      ext: [
        'subjectAltName = URI:spiffe://corp/user/admin, DNS:billing.corp, email:ops@corp',
        'basicConstraints = critical, CA:TRUE',
        'keyUsage = critical, keyCertSign, cRLSign',
      ],
    });
    const signed = await cli('cert', 'sign', request, '--client', '-o', at('app.crt'));
    expect(signed.code).toBe(0);
    // Told what was asked and not taken, then every name the certificate holds.
    expect(signed.stderr).toContain(`not copied, the names it asks for: ${ADMIN_NAMES.join(', ')}`);
    expect(signed.stderr).toContain('not copied, extensions: basicConstraints CA:TRUE, keyUsage (the client profile decides them)');
    expect(signed.stderr).toMatch(/\n {2}subject: CN=app\n {2}SANs: {4}none$/m);
    const cert = text(at('app.crt'));
    expect(cert).not.toContain('Subject Alternative Name');
    expect(cert).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(cert).toMatch(/Key Usage: critical\s+Digital Signature\n/);
    expect(cert).not.toContain('Certificate Sign');

    const server = await startCli(['serve', '--demo', '--dir', dir(), '--port', '0', '--policy', at('policy.yaml'), '--audit', 'none']);
    const app = demoClients(server.address, {
      caPem: readFileSync(pki.caCertFile, 'utf8'),
      certPem: readFileSync(at('app.crt'), 'utf8'),
      keyPem: readFileSync(at('app.key'), 'utf8'),
    });
    try {
      const me = await app.whoAmI();
      expect(me).toMatchObject({ commonName: 'app', sans: [], spiffeId: '' });
      expect(me.roles).toEqual([]);
    } finally {
      app.close();
      await server.stop();
    }
  });

  it("--accept-csr-names copies the requested SANs, printed before signing; the CSR's extensions still never", async () => {
    const request = csr('named', '/CN=named', {
      ext: [
        'subjectAltName = @alt',
        'basicConstraints = critical, CA:TRUE',
        '[alt]',
        'DNS.1 = named.corp',
        'IP.1 = 10.0.0.7',
        'URI.1 = spiffe://corp/svc/a,b',
      ],
    });
    const signed = await cli('cert', 'sign', request, '--client', '--accept-csr-names', '--san', 'DNS:extra.corp', '-o', at('named.crt'));
    expect(signed.code).toBe(0);
    const copying = signed.stderr.indexOf(
      'copying the names it asks for (--accept-csr-names): DNS:named.corp, IP:10.0.0.7, URI:"spiffe://corp/svc/a\\u002cb"',
    );
    expect(copying).toBeGreaterThanOrEqual(0);
    expect(copying).toBeLessThan(signed.stderr.indexOf('signed client certificate'));
    // Every name, one per line, the comma inside a value quoted so it cannot read as two names.
    expect(signed.stderr).toContain(
      '  SAN:     DNS:extra.corp\n  SAN:     DNS:named.corp\n  SAN:     IP:10.0.0.7\n  SAN:     URI:"spiffe://corp/svc/a\\u002cb"',
    );
    expect(text(at('named.crt'))).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    const json = JSON.parse((await cli('cert', 'inspect', at('named.crt'), '--json')).stdout);
    expect(json.sans).toEqual(['DNS:extra.corp', 'DNS:named.corp', 'IP:10.0.0.7', 'URI:spiffe://corp/svc/a,b']);
  });

  it('--accept-csr-names refuses a requested name that is not what its type says, writing nothing', async () => {
    const request = csr('sneaky', '/CN=sneaky', { ext: ['subjectAltName = @alt', '[alt]', 'DNS.1 = x, URI:spiffe://corp/user/admin'] });
    const r = await cli('cert', 'sign', request, '--client', '--accept-csr-names', '-o', at('sneaky.crt'));
    expect(r.stderr).toContain(`${request}: bad subject alternative name DNS:"x\\u002c URI:spiffe://corp/user/admin": not a DNS name`);
    expect(r.stderr).toContain('fix: sign without --accept-csr-names and state the names with --san');
    expect(r.code).toBe(1);
    expect(existsSync(at('sneaky.crt'))).toBe(false);
  });

  it('the subject is one CN: other attributes are dropped, and a CSR with two CNs needs --cn', async () => {
    const request = csr('multi', '/O=Trusted Corp/OU=admins/CN=alice/CN=mallory');
    const refused = await cli('cert', 'sign', request, '--client', '-o', at('multi.crt'));
    expect(refused.stderr).toContain(`${request}: the CSR has 2 common names (alice, mallory); which one is the identity would be a guess`);
    expect(refused.stderr).toContain('fix: state it: --cn NAME');
    expect(refused.code).toBe(1);
    expect(existsSync(at('multi.crt'))).toBe(false);
    const signed = await cli('cert', 'sign', request, '--client', '--cn', 'mallory', '-o', at('multi.crt'));
    expect(signed.code).toBe(0);
    expect(signed.stderr).toContain('not copied, subject attributes: O=Trusted Corp, OU=admins (the subject is the CN only)');
    expect(openssl('x509', '-in', at('multi.crt'), '-noout', '-subject', '-nameopt', 'RFC2253').trim()).toBe('subject=CN=mallory');
  });

  it('a --server CSR keeps none of the names it asks for: the signer states them, so it cannot pass for the demo server', async () => {
    const request = csr('web-test', '/CN=web-test', { ext: ['subjectAltName = DNS:localhost, IP:127.0.0.1'] });
    const noName = await cli('cert', 'sign', request, '--server', '-o', at('web-test.crt'));
    expect(noName.stderr).toContain(`${request}: a server certificate needs at least one subject alternative name`);
    expect(noName.stderr).toContain(
      'fix: state them: --san DNS:host.example,IP:10.0.0.5, or copy the ones the CSR asks for with --accept-csr-names',
    );
    expect(noName.code).toBe(1);
    expect(existsSync(at('web-test.crt'))).toBe(false);

    const signed = await cli('cert', 'sign', request, '--server', '--san', 'DNS:web-test', '-o', join(dir(), 'web-test.crt'));
    expect(signed.code).toBe(0);
    expect(signed.stderr).toContain('  subject: CN=web-test\n  SAN:     DNS:web-test\n');
    execFileSync('cp', [at('web-test.key'), join(dir(), 'web-test.key')]);
    const impostor = await startCli(['serve', '--demo', '--dir', dir(), '--name', 'web-test', '--port', '0']);
    try {
      const call = (...extra: string[]) => cli('call', impostor.address, 'certrpc.v1.Identity/WhoAmI', '--identity', 'alice', ...extra);
      const dialed = await call();
      expect(dialed.code).toBe(1);
      expect(dialed.stderr).toContain(
        "the server's certificate is not valid for the name you dialed (127.0.0.1): its names are DNS:web-test",
      );
      expect((await call('--authority', 'web-test')).code).toBe(0);
    } finally {
      await impostor.stop();
    }
  });

  it('cert list shows a CN holding ", O=..." escaped, as one CN', async () => {
    expect((await cli('cert', 'issue', 'comma', '--client', '--cn', 'x, O=admins')).code).toBe(0);
    const list = await cli('cert', 'list');
    expect(list.stdout).toMatch(/^comma +clientAuth +x\\, O=admins +[0-9a-f]+ /m);
  });

  it('cert issue --server without --san is refused (clients check SANs, not the CN), writing nothing', async () => {
    const r = await cli('cert', 'issue', 'nameless', '--server', '--cn', 'nameless.corp');
    expect(r.stderr).toContain('a server certificate needs at least one subject alternative name');
    expect(r.stderr).toContain('fix: state the names clients dial: --san DNS:host.example,IP:10.0.0.5');
    expect(r.code).toBe(1);
    expect(readdirSync(dir()).filter((f) => f.startsWith('nameless'))).toEqual([]);
  });

  it('cert renew refuses to make a server certificate without SANs, writing nothing', async () => {
    // A server certificate from before this rule, signed by the directory's CA (openssl, as an old certrpc would have).
    writeFileSync(
      at('old.ext'),
      'basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = serverAuth\n',
    );
    csr('old-server', '/CN=old-server.corp');
    openssl(
      'x509',
      '-req',
      '-in',
      'old-server.csr',
      '-CA',
      pki.caCertFile,
      '-CAkey',
      pki.caKeyFile,
      '-set_serial',
      '0x1234',
      '-days',
      '30',
      '-extfile',
      'old.ext',
      '-out',
      join(dir(), 'old-server.crt'),
    );
    execFileSync('cp', [at('old-server.key'), join(dir(), 'old-server.key')]);
    const before = readFileSync(join(dir(), 'old-server.crt'), 'utf8');
    const r = await cli('cert', 'renew', 'old-server');
    expect(r.stderr).toContain('a server certificate needs at least one subject alternative name');
    expect(r.stderr).toContain('certrpc cert issue NAME --server --san ... --force');
    expect(r.code).toBe(1);
    expect(readFileSync(join(dir(), 'old-server.crt'), 'utf8')).toBe(before);
    expect(existsSync(join(dir(), 'backup'))).toBe(false);
  });

  describe('refuses a CSR it cannot trust, with the reason and the fix, writing nothing', () => {
    const refusals: [string, () => string, RegExp][] = [
      [
        'RSA-1024',
        () => csr('rsa1024', '/CN=weak', { newkey: ['-newkey', 'rsa:1024'] }),
        /the CSR's key is RSA 1024 bit, weaker than the 2048 bits certrpc requires/,
      ],
      [
        'P-192',
        () => csr('p192', '/CN=weak', { newkey: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime192v1'] }),
        /the CSR's key is on the curve prime192v1; certrpc signs P-256, P-384 and P-521 keys only/,
      ],
      [
        'secp256k1',
        () => csr('k1', '/CN=weak', { newkey: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:secp256k1'] }),
        /on the curve secp256k1/,
      ],
      [
        'RSA e=3',
        () => csr('e3', '/CN=weak', { newkey: ['-newkey', 'rsa:2048', '-pkeyopt', 'rsa_keygen_pubexp:3'] }),
        /public exponent 3; certrpc requires at least 65537/,
      ],
      [
        'DSA',
        () => {
          openssl('genpkey', '-genparam', '-algorithm', 'DSA', '-pkeyopt', 'dsa_paramgen_bits:2048', '-out', 'dsa.params');
          return csr('dsa', '/CN=weak', { newkey: ['-newkey', 'dsa:dsa.params'] });
        },
        /the CSR's key is of type dsa; certrpc signs ECDSA \(P-256, P-384, P-521\) and RSA \(2048 bits or more\) keys only/,
      ],
      ['Ed25519', () => csr('ed', '/CN=weak', { newkey: ['-newkey', 'ed25519'] }), /the CSR's key is of type ed25519/],
      [
        'a signature that does not verify',
        () => {
          const good = csr('tampered', '/CN=carol');
          const der = Buffer.from(readFileSync(good, 'utf8').replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
          const at = der.indexOf('carol');
          der.write('carom', at); // the subject changed after signing: what an attacker between requester and CA would do
          writeFileSync(
            good,
            `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE REQUEST-----\n`,
          );
          return good;
        },
        /the CSR signature does not verify: it was altered after it was made, or made with another key/,
      ],
      ['a CN with a control character', () => csr('ctrl', '/CN=alice\r'), /the CSR's common name "alice\\r" holds control characters/],
    ];
    it.each(refusals)('%s', async (_what, make, reason) => {
      const request = make();
      const out = at('refused.crt');
      const r = await cli('cert', 'sign', request, '--client', '-o', out);
      expect(r.stderr).toMatch(reason);
      expect(r.stderr).toContain(`${request}: `);
      expect(r.stderr).toContain('  fix: ');
      expect(r.code).toBe(1);
      expect(existsSync(out)).toBe(false);
      expect(readdirSync(tmp.dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    });
  });
});

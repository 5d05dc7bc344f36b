// Issue 3 acceptance for the PKI through the real CLI: openssl agrees with what certrpc issues,
// a CSR made by openssl is signed and works in a real call, and bad input is refused cleanly.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PkiDir } from '../../src/store/pki-dir';
import { demoClients } from '../helpers/calls';
import { runCli, startCli } from '../helpers/cli';
import { opensslCsr } from '../helpers/openssl-pki';
import { tempDir } from '../helpers/temp-dir';

const openssl = (args: string[], cwd: string) => execFileSync('openssl', args, { cwd, stdio: 'pipe' }).toString();
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('certrpc pki/cert CLI', () => {
  const tmp = tempDir();
  const dir = join(tmp.dir, 'certs');
  const cli = (...args: string[]) => runCli([...args, '--dir', dir], { cwd: tmp.dir });

  beforeAll(async () => {
    expect((await cli('pki', 'init')).code).toBe(0);
    expect(
      (
        await cli(
          'cert',
          'issue',
          'server',
          '--server',
          '--cn',
          'localhost',
          '--san',
          'DNS:localhost,IP:127.0.0.1,URI:spiffe://corp/service/kv',
        )
      ).code,
    ).toBe(0);
    expect((await cli('cert', 'issue', 'alice', '--client', '--san', 'email:alice@corp.example')).code).toBe(0);
    expect((await cli('cert', 'issue', 'legacy', '--client', '--key-type', 'rsa-2048', '--days', '30')).code).toBe(0);
  });
  afterAll(() => tmp.cleanup());

  it('writes private keys 0600 and certificates 0644', () => {
    for (const name of ['ca', 'server', 'alice', 'legacy']) {
      expect(statSync(join(dir, `${name}.key`)).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, `${name}.crt`)).mode & 0o777).toBe(0o644);
    }
  });

  it('openssl verify accepts every certificate certrpc issues', () => {
    const out = openssl(['verify', '-CAfile', 'ca.crt', 'server.crt', 'alice.crt', 'legacy.crt'], dir);
    expect(out).toBe('server.crt: OK\nalice.crt: OK\nlegacy.crt: OK\n');
    expect(openssl(['verify', '-purpose', 'sslserver', '-CAfile', 'ca.crt', 'server.crt'], dir)).toContain('OK');
    expect(openssl(['verify', '-purpose', 'sslclient', '-CAfile', 'ca.crt', 'alice.crt'], dir)).toContain('OK');
  });

  it('openssl x509 -text shows the CA flags, EKUs and SANs asked for', () => {
    const ca = openssl(['x509', '-in', 'ca.crt', '-noout', '-text'], dir);
    expect(ca).toMatch(/Basic Constraints: critical\s+CA:TRUE/);
    expect(ca).toMatch(/Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign/);
    expect(ca).toContain('Subject Key Identifier');
    const server = openssl(['x509', '-in', 'server.crt', '-noout', '-text'], dir);
    expect(server).toMatch(/Extended Key Usage:\s+TLS Web Server Authentication/);
    expect(server).toContain('DNS:localhost, IP Address:127.0.0.1, URI:spiffe://corp/service/kv');
    expect(server).toContain('Authority Key Identifier');
    const alice = openssl(['x509', '-in', 'alice.crt', '-noout', '-text'], dir);
    expect(alice).toMatch(/Extended Key Usage:\s+TLS Web Client Authentication/);
    expect(alice).toContain('email:alice@corp.example');
    expect(openssl(['x509', '-in', 'legacy.crt', '-noout', '-text'], dir)).toMatch(/Public-Key: \(2048 bit\)/);
    // 128-bit random serials.
    expect(openssl(['x509', '-in', 'alice.crt', '-noout', '-serial'], dir).trim()).toMatch(/^serial=[0-9A-F]{31,32}$/);
  });

  it('inspect prints what openssl -text does, and --json for scripts', async () => {
    const text = await cli('cert', 'inspect', join(dir, 'server.crt'));
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/Subject:\s+CN=localhost/);
    expect(text.stdout).toMatch(/Extended key usage:\s+serverAuth/);
    expect(text.stdout).toMatch(/Chain:\s+OK \(CN=certrpc CA\)/);
    const json = JSON.parse((await cli('cert', 'inspect', join(dir, 'server.crt'), '--json')).stdout);
    const fingerprint = openssl(['x509', '-in', 'server.crt', '-noout', '-fingerprint', '-sha256'], dir).trim().split('=')[1];
    expect(json).toMatchObject({
      commonName: 'localhost',
      sans: ['DNS:localhost', 'IP:127.0.0.1', 'URI:spiffe://corp/service/kv'],
      spiffeId: 'spiffe://corp/service/kv',
      extendedKeyUsage: ['serverAuth'],
      basicConstraints: { ca: false },
      fingerprintSha256: fingerprint,
      chain: { ok: true },
    });
  });

  it('verify and list report status', async () => {
    expect((await cli('cert', 'verify', join(dir, 'alice.crt'))).stdout).toContain('OK (CN=alice <- CN=certrpc CA)');
    const wrongPurpose = await cli('cert', 'verify', join(dir, 'alice.crt'), '--purpose', 'server');
    expect(wrongPurpose.code).toBe(1);
    expect(wrongPurpose.stderr).toContain('INVALID_PURPOSE');
    const list = JSON.parse((await cli('cert', 'list', '--json')).stdout);
    expect(list.map((r: { name: string; status: string }) => `${r.name}:${r.status}`)).toEqual([
      'alice:valid',
      'legacy:expiring',
      'server:valid',
    ]);
  });

  it('signs a CSR made by openssl req -new, and that certificate works in a real call', async () => {
    opensslCsr(tmp.dir, 'carol', '/CN=carol');
    const signed = await cli('cert', 'sign', join(tmp.dir, 'carol.csr'), '--client', '-o', join(tmp.dir, 'carol.crt'));
    expect(signed.code).toBe(0);
    expect(openssl(['verify', '-CAfile', join(dir, 'ca.crt'), 'carol.crt'], tmp.dir)).toContain('OK');
    const server = await startCli(['serve', '--demo', '--dir', dir, '--port', '0'], { cwd: tmp.dir });
    try {
      const tls = {
        caPem: readFileSync(join(dir, 'ca.crt'), 'utf8'),
        certPem: readFileSync(join(tmp.dir, 'carol.crt'), 'utf8'),
        keyPem: readFileSync(join(tmp.dir, 'carol.key'), 'utf8'),
      };
      const carol = demoClients(server.address, tls);
      expect((await carol.whoAmI()).commonName).toBe('carol');
      carol.close();
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  describe('bad input: clear message, non-zero exit, nothing written or overwritten', () => {
    const noTempFiles = () => expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    it('refuses to replace an existing CA without --force', async () => {
      const before = [sha(join(dir, 'ca.crt')), sha(join(dir, 'ca.key'))];
      const r = await cli('pki', 'init');
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`${join(dir, 'ca.crt')}: a CA already exists here; nothing was written`);
      expect(r.stderr).toContain('--force');
      expect([sha(join(dir, 'ca.crt')), sha(join(dir, 'ca.key'))]).toEqual(before);
      noTempFiles();
    });

    it('refuses to overwrite an issued certificate without --force', async () => {
      const before = sha(join(dir, 'alice.key'));
      const r = await cli('cert', 'issue', 'alice', '--client');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/alice\.(crt|key): already exists; nothing was written/);
      expect(sha(join(dir, 'alice.key'))).toBe(before);
    });

    it.each([
      [
        ['cert', 'issue', 'x', '--client', '--key-type', 'dsa-1024'],
        /--key-type.*'dsa-1024' is invalid.*ecdsa-p256, ecdsa-p384, rsa-2048, rsa-4096/s,
      ],
      [
        ['cert', 'issue', 'x', '--client', '--san', 'DNS:ok.example,FTP:nope'],
        /--san: bad subject alternative name "FTP:nope": unknown type/,
      ],
      [
        ['cert', 'issue', 'x', '--client', '--san', 'IP:10.0.0.999'],
        /--san: bad subject alternative name "IP:10.0.0.999": not an IPv4 or IPv6 address/,
      ],
      [['cert', 'issue', 'x', '--client', '--days', 'soon'], /--days: "soon" is not a number of days/],
      [['cert', 'issue', 'x'], /--server or --client/],
      [['cert', 'issue', 'bad/name', '--client'], /invalid name "bad\/name"/],
    ])('usage errors exit 2 naming the flag: %j', async (args, message) => {
      const r = await cli(...args);
      expect(r.stderr).toMatch(message);
      expect(r.code).toBe(2);
      expect(readdirSync(dir).some((f) => f.startsWith('x.'))).toBe(false);
      noTempFiles();
    });

    it('names a missing or corrupt PEM file', async () => {
      const missing = await cli('cert', 'inspect', join(tmp.dir, 'nope.crt'));
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain(`${join(tmp.dir, 'nope.crt')}: certificate not found`);
      writeFileSync(join(tmp.dir, 'garbage.crt'), '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n');
      const corrupt = await cli('cert', 'inspect', join(tmp.dir, 'garbage.crt'));
      expect(corrupt.code).toBe(1);
      expect(corrupt.stderr).toContain(`${join(tmp.dir, 'garbage.crt')}: corrupt certificate`);
      writeFileSync(join(tmp.dir, 'text.crt'), 'hello\n');
      const notPem = await cli('cert', 'verify', join(tmp.dir, 'text.crt'));
      expect(notPem.code).toBe(1);
      expect(notPem.stderr).toContain('no PEM certificate found');
    });

    it('refuses to serve with a key that does not match its certificate', async () => {
      const pki = new PkiDir(dir);
      writeFileSync(join(tmp.dir, 'mismatch.crt'), readFileSync(pki.certFile('server')));
      writeFileSync(join(tmp.dir, 'mismatch.key'), readFileSync(pki.keyFile('alice')), { mode: 0o600 });
      execFileSync('cp', [join(tmp.dir, 'mismatch.crt'), join(tmp.dir, 'mismatch.key'), dir]);
      const r = await cli('serve', '--demo', '--name', 'mismatch', '--port', '0');
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`${join(dir, 'mismatch.key')}: the private key does not belong to the certificate`);
    });

    it('refuses a CSR that is not one', async () => {
      writeFileSync(join(tmp.dir, 'bad.csr'), '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n');
      const r = await cli('cert', 'sign', join(tmp.dir, 'bad.csr'), '--client');
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`${join(tmp.dir, 'bad.csr')}: not a readable certificate signing request`);
    });
  });
});

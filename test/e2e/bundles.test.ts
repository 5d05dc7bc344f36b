// Issue 7, part 3: identity bundles. Export one file, call with it as --identity, extract plain PEM
// files, and hand those to programs certrpc did not write: nginx (mutual TLS in front, grpc_pass
// grpcs:// to a certrpc server behind) and curl.
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keyMatchesCertificate } from '../../src/pki/key-match';
import { PkiDir } from '../../src/store/pki-dir';
import { RunningServer, runCli, startCli } from '../helpers/cli';
import { RunningNginx, startNginx } from '../helpers/nginx';
import { demoPki } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';
import { freePort, requireTool, run } from '../helpers/tools';

const WHOAMI = 'certrpc.v1.Identity/WhoAmI';
const mode = (file: string) => statSync(file).mode & 0o777;
const count = (text: string, what: string) => text.split(what).length - 1;

describe('identity bundles: export, --identity, extract; the PEM files work in nginx and curl', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  let server: RunningServer;
  let nginx: RunningNginx | undefined;
  let tools: { nginx: string; curl: string; openssl: string };
  const at = (...parts: string[]) => join(tmp.dir, ...parts);
  const cli = (...args: string[]) => runCli(args, { cwd: tmp.dir });

  beforeAll(async () => {
    tools = { nginx: requireTool('nginx'), curl: requireTool('curl'), openssl: requireTool('openssl') };
    pki = await demoPki(at('pki'));
    // nginx's two identities: a server certificate for its front, a client certificate for its upstream.
    expect((await cli('cert', 'issue', 'edge', '--server', '--san', 'DNS:localhost,IP:127.0.0.1', '--dir', pki.dir)).code).toBe(0);
    expect((await cli('cert', 'issue', 'nginx-upstream', '--client', '--dir', pki.dir)).code).toBe(0);
    writeFileSync(
      at('policy.yaml'),
      'version: 1\nroles:\n  gateway: [{ cn: nginx-upstream }]\n  admin: [{ cn: alice }]\nrules:\n  - roles: [gateway, admin]\n    methods: ["*"]\n',
    );
    server = await startCli(['serve', '--demo', '--dir', pki.dir, '--port', '0', '--policy', at('policy.yaml')]);
  });

  afterAll(async () => {
    await nginx?.stop();
    await server?.stop();
    tmp.cleanup();
  });

  it('bundle export writes one 0600 file: certificate, key and trusted CA, never a CA key', async () => {
    const result = await cli('bundle', 'export', 'alice', '--dir', pki.dir, '-o', 'alice.bundle');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      'wrote alice.bundle (0600): certificate "CN=alice", its private key, and 1 trusted CA certificate(s): CN=certrpc demo CA',
    );
    const text = readFileSync(at('alice.bundle'), 'utf8');
    expect(mode(at('alice.bundle'))).toBe(0o600);
    expect(text.startsWith('# certrpc identity bundle v1\n# name: alice\n')).toBe(true);
    expect(count(text, '-----BEGIN CERTIFICATE-----')).toBe(2);
    expect(count(text, '-----BEGIN PRIVATE KEY-----')).toBe(1);
    expect(text).toContain(readFileSync(pki.keyFile('alice'), 'utf8').trim());
    expect(text).not.toContain(readFileSync(pki.caKeyFile, 'utf8').trim());
    // openssl reads the bundle as it is: the identity's certificate first, then its key.
    expect((await run(tools.openssl, ['x509', '-in', at('alice.bundle'), '-noout', '-subject'])).stdout.trim()).toBe('subject=CN = alice');
    const key = await run(tools.openssl, ['pkey', '-in', at('alice.bundle')]);
    expect(keyMatchesCertificate(key.stdout, readFileSync(pki.certFile('alice'), 'utf8'))).toBe(true);
  });

  it('refuses to overwrite a bundle, and to bundle the CA', async () => {
    const again = await cli('bundle', 'export', 'alice', '--dir', pki.dir, '-o', 'alice.bundle');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/alice\.bundle: already exists; nothing was written\n\s+fix: pass --force/);
    const ca = await cli('bundle', 'export', 'ca', '--dir', pki.dir);
    expect(ca.code).toBe(2);
    expect(ca.stderr).toMatch(/invalid name "ca"/);
  });

  it('--identity takes the bundle file', async () => {
    const result = await cli('call', server.address, WHOAMI, '--identity', './alice.bundle');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).commonName).toBe('alice');
  });

  it('--identity names the damaged bundle and the fix', async () => {
    writeFileSync(
      at('broken.bundle'),
      readFileSync(at('alice.bundle'), 'utf8').replace(/-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----\n?/, ''),
    );
    const result = await cli('call', server.address, WHOAMI, '--identity', './broken.bundle');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/broken\.bundle: not an identity bundle: it holds no private key\n\s+fix: export it again/);
  });

  it('--p12 writes PKCS#12 that openssl opens with the password', async () => {
    writeFileSync(at('pw.txt'), 'correct horse\n', { mode: 0o600 });
    const result = await cli('bundle', 'export', 'alice', '--dir', pki.dir, '--p12', '--password-file', 'pw.txt', '-o', 'alice.p12');
    expect(result.code).toBe(0);
    expect(mode(at('alice.p12'))).toBe(0o600);
    const info = await run(tools.openssl, ['pkcs12', '-in', at('alice.p12'), '-nokeys', '-passin', `file:${at('pw.txt')}`]);
    expect(info.code).toBe(0);
    expect(info.stdout).toContain('subject=CN = alice');
    expect(info.stdout).toContain('subject=CN = certrpc demo CA');
    const key = await run(tools.openssl, ['pkcs12', '-in', at('alice.p12'), '-nocerts', '-nodes', '-passin', `file:${at('pw.txt')}`]);
    expect(keyMatchesCertificate(key.stdout, readFileSync(pki.certFile('alice'), 'utf8'))).toBe(true);
    expect((await run(tools.openssl, ['pkcs12', '-in', at('alice.p12'), '-nokeys', '-passin', 'pass:wrong'])).code).not.toBe(0);
  });

  it('bundle extract writes plain ca.crt, NAME.crt and NAME.key (0600), and never overwrites', async () => {
    const result = await cli('bundle', 'extract', 'alice.bundle', '-o', 'client');
    expect(result.code).toBe(0);
    expect(readFileSync(at('client', 'alice.crt'), 'utf8').trim()).toBe(readFileSync(pki.certFile('alice'), 'utf8').trim());
    expect(readFileSync(at('client', 'alice.key'), 'utf8').trim()).toBe(readFileSync(pki.keyFile('alice'), 'utf8').trim());
    expect(new X509Certificate(readFileSync(at('client', 'ca.crt'))).subject).toBe('CN=certrpc demo CA');
    expect(mode(at('client', 'alice.key'))).toBe(0o600);
    const again = await cli('bundle', 'extract', 'alice.bundle', '-o', 'client');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/alice\.key: already exists; nothing was written/);
  });

  describe('nginx with the extracted files, ssl_verify_client on, in front of certrpc via grpc_pass grpcs://', () => {
    let base: string;

    beforeAll(async () => {
      for (const name of ['edge', 'nginx-upstream']) {
        expect((await cli('bundle', 'export', name, '--dir', pki.dir, '-o', `${name}.bundle`)).code).toBe(0);
        // Both into one directory: they share ca.crt, which extract accepts when it is the same.
        expect((await cli('bundle', 'extract', `${name}.bundle`, '-o', 'nginx')).code).toBe(0);
      }
      const files = at('nginx');
      const port = await freePort();
      nginx = await startNginx(
        tools.nginx,
        at('nginx-run'),
        port,
        `
  server {
    listen 127.0.0.1:${port} ssl http2;
    ssl_certificate ${files}/edge.crt;
    ssl_certificate_key ${files}/edge.key;
    ssl_client_certificate ${files}/ca.crt;
    ssl_verify_client on;
    location = /healthz { default_type text/plain; return 200 "nginx ok: $ssl_client_s_dn\\n"; }
    location / {
      grpc_pass grpcs://${server.address};
      grpc_ssl_certificate ${files}/nginx-upstream.crt;
      grpc_ssl_certificate_key ${files}/nginx-upstream.key;
      grpc_ssl_trusted_certificate ${files}/ca.crt;
      grpc_ssl_verify on;
      grpc_ssl_name localhost;
      grpc_ssl_server_name on;
    }
  }`,
      );
      base = `127.0.0.1:${port}`;
    });

    it('a certrpc call through nginx succeeds (the certrpc server sees nginx’s upstream identity)', async () => {
      const result = await cli('call', base, WHOAMI, '--identity', './alice.bundle');
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ commonName: 'nginx-upstream', roles: ['gateway'] });
      const put = await cli('call', base, 'demo.v1.KeyValue/Put', '--identity', './alice.bundle', '-d', '{"key":"via","value":"nginx"}');
      expect(put.code).toBe(0);
      const got = await cli('call', base, 'demo.v1.KeyValue/Get', '--identity', './alice.bundle', '-d', '{"key":"via"}');
      expect(JSON.parse(got.stdout)).toMatchObject({ value: 'nginx', found: true });
    });

    it('curl with the extracted PEM files gets nginx’s answer', async () => {
      const result = await run(tools.curl, [
        '-sS',
        '--cacert',
        at('client', 'ca.crt'),
        '--cert',
        at('client', 'alice.crt'),
        '--key',
        at('client', 'alice.key'),
        `https://${base}/healthz`,
      ]);
      expect(result.stderr).toBe('');
      expect(result.stdout).toBe('nginx ok: CN=alice\n');
    });

    it('a client without a certificate is refused by nginx', async () => {
      const curl = await run(tools.curl, ['-sS', '-w', '\n%{http_code}', '--cacert', at('client', 'ca.crt'), `https://${base}/healthz`]);
      expect(curl.stdout).toContain('No required SSL certificate was sent');
      expect(curl.stdout.trim().endsWith('400')).toBe(true);
      const call = await cli(
        'call',
        base,
        WHOAMI,
        '--cacert',
        at('client', 'ca.crt'),
        '--proto',
        join(__dirname, '..', '..', 'proto', 'certrpc', 'v1', 'identity.proto'),
        '--import-path',
        join(__dirname, '..', '..', 'proto'),
      );
      expect(call.code).not.toBe(0);
    });
  });
});

// Issue 15 item 6: `cert inspect` reads CSRs (PEM and DER), DER certificates, and the chain a
// server presents (--server HOST:PORT, --servername). What a server presents is read by a handshake
// that trusts nothing, then verified against DIR/ca.crt or --cacert; being presented never makes a
// certificate trusted. Peers: openssl-made CSRs and chains, real TLS servers (certrpc serve, node:tls).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createServer, Server } from 'node:tls';
import { exportPrivateKeyPem, generateKeyPair, signingAlgorithm, x509 } from '../../src/pki/crypto';
import { PkiDir } from '../../src/store/pki-dir';
import { runCli, RunningServer, startCli } from '../helpers/cli';
import { demoPki } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';

jest.setTimeout(120_000);

describe("certrpc cert inspect: CSRs, DER, and a server's chain", () => {
  const tmp = tempDir();
  let pki: PkiDir;
  const at = (f: string) => join(tmp.dir, f);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: tmp.dir, stdio: 'pipe' }).toString();
  const inspect = (...args: string[]) => runCli(['cert', 'inspect', ...args, '--dir', pki.dir], { cwd: tmp.dir });
  const json = async (...args: string[]) => {
    const r = await inspect(...args, '--json');
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    return JSON.parse(r.stdout);
  };
  const tlsServers: Server[] = [];
  const sniSeen: string[] = [];
  let certrpcServer: RunningServer;

  /** A node:tls server presenting exactly `chain` (PEM files, leaf first). */
  async function presenting(chain: string[], key: string): Promise<string> {
    const server = createServer(
      {
        cert: chain.map((f) => readFileSync(at(f), 'utf8')).join(''),
        key: readFileSync(at(key)),
        // Called with the ClientHello's server name: what the client sent, before anything else happens.
        SNICallback: (servername, done) => {
          sniSeen.push(servername);
          done(null, undefined);
        },
      },
      (socket) => socket.end(),
    );
    tlsServers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  beforeAll(async () => {
    pki = await demoPki(at('certs'));
    writeFileSync(
      at('ext.cnf'),
      [
        '[req]\ndistinguished_name = dn\n[dn]',
        '[ca]\nbasicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign\nsubjectKeyIdentifier = hash',
        '[leaf]\nbasicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = serverAuth\nsubjectAltName = DNS:localhost, IP:127.0.0.1',
        '[request]\nsubjectAltName = DNS:app.corp, URI:spiffe://corp/svc/app\nbasicConstraints = critical, CA:TRUE',
      ].join('\n') + '\n',
    );
    const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    // An intermediate under the demo CA, and a server certificate it signs.
    openssl('req', '-new', ...newKey, '-keyout', 'inter.key', '-subj', '/CN=test intermediate', '-config', 'ext.cnf', '-out', 'inter.csr');
    openssl(
      'x509',
      '-req',
      '-in',
      'inter.csr',
      '-CA',
      pki.caCertFile,
      '-CAkey',
      pki.caKeyFile,
      '-set_serial',
      '0x1111',
      '-days',
      '30',
      '-extfile',
      'ext.cnf',
      '-extensions',
      'ca',
      '-out',
      'inter.crt',
    );
    openssl('req', '-new', ...newKey, '-keyout', 'leaf.key', '-subj', '/CN=leaf', '-config', 'ext.cnf', '-out', 'leaf.csr');
    openssl(
      'x509',
      '-req',
      '-in',
      'leaf.csr',
      '-CA',
      'inter.crt',
      '-CAkey',
      'inter.key',
      '-set_serial',
      '0x2222',
      '-days',
      '10',
      '-extfile',
      'ext.cnf',
      '-extensions',
      'leaf',
      '-out',
      'leaf.crt',
    );
    // A forged "intermediate": the same name, its own key, self-signed; and a leaf it signed.
    openssl(
      'req',
      '-x509',
      ...newKey,
      '-keyout',
      'forged.key',
      '-subj',
      '/CN=test intermediate',
      '-days',
      '30',
      '-config',
      'ext.cnf',
      '-extensions',
      'ca',
      '-out',
      'forged.crt',
    );
    openssl(
      'x509',
      '-req',
      '-in',
      'leaf.csr',
      '-CA',
      'forged.crt',
      '-CAkey',
      'forged.key',
      '-set_serial',
      '0x3333',
      '-days',
      '10',
      '-extfile',
      'ext.cnf',
      '-extensions',
      'leaf',
      '-out',
      'forged-leaf.crt',
    );
    // Requests: one certrpc would sign (asking for more than it gets), one it refuses, one altered after signing.
    openssl(
      'req',
      '-new',
      ...newKey,
      '-keyout',
      'app.key',
      '-subj',
      '/CN=app/O=Acme',
      '-config',
      'ext.cnf',
      '-reqexts',
      'request',
      '-out',
      'app.csr',
    );
    openssl('req', '-in', 'app.csr', '-outform', 'der', '-out', 'app.der.csr');
    openssl(
      'req',
      '-new',
      '-newkey',
      'rsa:1024',
      '-nodes',
      '-keyout',
      'weak.key',
      '-subj',
      '/CN=weak',
      '-config',
      'ext.cnf',
      '-out',
      'weak.csr',
    );
    openssl(
      'req',
      '-new',
      ...newKey,
      '-keyout',
      'tamper.key',
      '-subj',
      '/CN=tamper',
      '-config',
      'ext.cnf',
      '-outform',
      'der',
      '-out',
      'tamper.csr',
    );
    const der = readFileSync(at('tamper.csr'));
    der.set(Buffer.from('tampex'), der.indexOf('tamper'));
    writeFileSync(at('tamper.csr'), der);
    openssl('x509', '-in', pki.certFile('alice'), '-outform', 'der', '-out', 'alice.der');
    certrpcServer = await startCli(['serve', '--dir', pki.dir, '--port', '0']);
  });
  afterAll(async () => {
    await certrpcServer?.stop();
    for (const s of tlsServers) s.close();
    tmp.cleanup();
  });

  describe('a certificate signing request', () => {
    it('shows what it asks for, its key, its signature, and whether cert sign would sign it', async () => {
      const text = await inspect(at('app.csr'));
      expect(text.code).toBe(0);
      expect(text.stdout).toContain(`Certificate signing request ${at('app.csr')}:`);
      expect(text.stdout).toMatch(/Subject: +CN=app, O=Acme\n/);
      expect(text.stdout).toMatch(/Public key: +ECDSA P-256\n/);
      expect(text.stdout).toMatch(/Signature: +ECDSA with SHA-256, verifies\n/);
      expect(text.stdout).toMatch(/Asks for names: +DNS:app\.corp, URI:spiffe:\/\/corp\/svc\/app\n/);
      expect(text.stdout).toMatch(/Other attributes: +O=Acme\n/);
      expect(text.stdout).toMatch(/Other extensions: +basicConstraints CA:TRUE\n/);
      expect(text.stdout).toMatch(
        /cert sign: +would sign it; the certificate holds CN=app \(or --cn\) and only the names stated with --san/,
      );
      expect(await json(at('app.csr'))).toMatchObject({
        kind: 'csr',
        format: 'PEM',
        subject: 'CN=app, O=Acme',
        commonName: 'app',
        requestedSans: ['DNS:app.corp', 'URI:spiffe://corp/svc/app'],
        otherSubjectAttributes: ['O=Acme'],
        otherExtensions: ['basicConstraints CA:TRUE'],
        signatureVerifies: true,
        signable: { ok: true },
      });
    });

    it('reads DER the same', async () => {
      const [pem, der] = [await json(at('app.csr')), await json(at('app.der.csr'))];
      expect(der.format).toBe('DER');
      expect({ ...der, file: undefined, format: undefined }).toEqual({ ...pem, file: undefined, format: undefined });
    });

    it('shows a request cert sign refuses, and why: a weak key, a signature that does not verify', async () => {
      const weak = await inspect(at('weak.csr'));
      expect(weak.code).toBe(0);
      expect(weak.stdout).toMatch(/Public key: +RSA 1024 bit\n/);
      expect(weak.stdout).toMatch(/cert sign: +REFUSES it: the CSR's key is RSA 1024 bit, weaker than the 2048 bits certrpc requires/);
      const tampered = await json(at('tamper.csr'));
      expect(tampered).toMatchObject({
        subject: 'CN=tampex',
        signatureVerifies: false,
        signable: { ok: false, reason: expect.stringContaining('the CSR signature does not verify') },
      });
      expect((await inspect(at('tamper.csr'))).stdout).toMatch(/Signature: +ECDSA with SHA-256, DOES NOT VERIFY\n/);
    });
  });

  it('reads a DER certificate as it reads the PEM one', async () => {
    const [pem, der] = [await json(pki.certFile('alice')), await json(at('alice.der'))];
    expect(der).toEqual(pem);
    expect(der.chain).toMatchObject({ ok: true });
  });

  it('a private key is named and refused (exit 1), never shown', async () => {
    const r = await inspect(at('app.key'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${at('app.key')}: a PEM file holding a private key, not a certificate or a certificate signing request`);
    const body = readFileSync(at('app.key'), 'utf8').split('\n')[1];
    expect(r.stdout + r.stderr).not.toContain(body.slice(0, 20));
  });

  describe('--server HOST:PORT', () => {
    it('shows the chain a certrpc server presents, verified against DIR/ca.crt, with revocation as DIR records it', async () => {
      const r = await inspect('--server', certrpcServer.address);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(
        new RegExp(
          `^Server ${certrpcServer.address} \\(TLSv1\\.3\\) presented 2 certificates:\\n {2}Chain: +OK \\(CN=localhost <- CN=certrpc demo CA\\), against ${pki.caCertFile}\\n {2}Name: +OK: valid for 127\\.0\\.0\\.1\\n`,
        ),
      );
      expect(r.stdout).toContain(`Certificate #1 presented by ${certrpcServer.address}:\n  Subject:              CN=localhost`);
      expect(r.stdout).toMatch(/Revocation: +not checked \(no .*crl\.pem\)/);
      // Revoked in DIR: the inspection says so, while the server still presents it.
      expect((await runCli(['cert', 'revoke', 'server', '--dir', pki.dir])).code).toBe(0);
      const after = await json('--server', certrpcServer.address);
      expect(after.server).toMatchObject({
        address: certrpcServer.address,
        name: '127.0.0.1',
        protocol: 'TLSv1.3',
        presented: 2,
        verified: true,
        nameMatches: true,
      });
      expect(after.certificates[0]).toMatchObject({ subject: 'CN=localhost', revocation: { revoked: true, reason: 'unspecified' } });
    });

    it('builds the path only through what the server sent: leaf and intermediate verify up to the root', async () => {
      const address = await presenting(['leaf.crt', 'inter.crt'], 'leaf.key');
      const r = await json('--server', address);
      expect(r.server).toMatchObject({ presented: 2, verified: true, chain: { ok: true, code: 'OK', trust: pki.caCertFile } });
      expect(r.certificates.map((c: { subject: string }) => c.subject)).toEqual(['CN=leaf', 'CN=test intermediate']);
      expect((await inspect('--server', address)).stdout).toMatch(/Chain: +OK \(CN=leaf <- CN=test intermediate <- CN=certrpc demo CA\)/);
    });

    it('lists only what was presented: a server that leaves out its intermediate fails, and is not completed from anywhere', async () => {
      const address = await presenting(['leaf.crt'], 'leaf.key');
      const r = await json('--server', address);
      expect(r.server).toMatchObject({ presented: 1, verified: false, chain: { ok: false, code: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' } });
      expect(r.certificates).toHaveLength(1);
      expect((await inspect('--server', address)).stdout).toMatch(
        /Chain: +FAILED UNABLE_TO_GET_ISSUER_CERT_LOCALLY: certificate "CN=leaf" was issued by "CN=test intermediate", which is not among the trusted CAs/,
      );
    });

    it('a presented CA is never trusted for being presented: a forged intermediate of the same name fails', async () => {
      const address = await presenting(['forged-leaf.crt', 'forged.crt'], 'leaf.key');
      const r = await json('--server', address);
      expect(r.server).toMatchObject({ presented: 2, verified: false, chain: { ok: false } });
      expect(r.certificates[1]).toMatchObject({ subject: 'CN=test intermediate', selfSigned: true, chain: { ok: false } });
    });

    it('--servername is sent (SNI) and the certificate is checked for it', async () => {
      const address = await presenting(['leaf.crt', 'inter.crt'], 'leaf.key');
      sniSeen.length = 0;
      const good = await json('--server', address, '--servername', 'localhost');
      expect(good.server).toMatchObject({ name: 'localhost', nameMatches: true, verified: true });
      const bad = await inspect('--server', address, '--servername', 'other.example');
      expect(bad.code).toBe(0);
      expect(bad.stdout).toMatch(
        /Name: +FAILED: Hostname\/IP does not match certificate's altnames: Host: other\.example\. is not in the cert's altnames: DNS:localhost, IP Address:127\.0\.0\.1/,
      );
      expect((await json('--server', address, '--servername', 'other.example')).server).toMatchObject({
        verified: false,
        nameMatches: false,
        chain: { ok: true },
      });
      expect(sniSeen).toEqual(['localhost', 'other.example', 'other.example']);
    });

    it('--cacert replaces DIR/ca.crt; without any trust bundle the chain is not checked (and not trusted)', async () => {
      const address = await presenting(['leaf.crt', 'inter.crt'], 'leaf.key');
      const other = await json('--server', address, '--cacert', at('forged.crt'));
      expect(other.server).toMatchObject({ verified: false, chain: { ok: false, trust: at('forged.crt') } });
      const none = await runCli(['cert', 'inspect', '--server', address, '--dir', at('no-such-dir'), '--json']);
      expect(JSON.parse(none.stdout).server).toMatchObject({
        verified: null,
        chain: { ok: null, reason: expect.stringContaining('not checked: no trust bundle') },
      });
    });

    it('a subject holding terminal escape sequences is printed escaped, never raw (a remote server chooses it)', async () => {
      const alg = signingAlgorithm('ecdsa-p256');
      const keys = await generateKeyPair('ecdsa-p256');
      const evil = await x509.X509CertificateGenerator.createSelfSigned({
        serialNumber: '01',
        name: [{ CN: ['evil\u001b[2J\u001b[1;1HChain: OK\u009b31m\u202egnp.exe'] }],
        keys,
        signingAlgorithm: alg,
        notBefore: new Date(Date.now() - 60_000),
        notAfter: new Date(Date.now() + 86_400_000),
        extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }])],
      });
      writeFileSync(at('evil.crt'), evil.toString('pem'));
      writeFileSync(at('evil.key'), await exportPrivateKeyPem(keys.privateKey));
      const address = await presenting(['evil.crt'], 'evil.key');
      for (const r of [await inspect('--server', address), await inspect(at('evil.crt')), await inspect('--server', address, '--json')]) {
        expect(r.code).toBe(0);
        // eslint-disable-next-line no-control-regex -- the characters that must not reach a terminal
        expect(r.stdout).not.toMatch(/[\u001b\u009b\u202e]/);
      }
      expect((await inspect(at('evil.crt'))).stdout).toContain(
        'Subject:              CN=evil\\x1b[2J\\x1b[1\\;1HChain: OK\\x9b31m\\u202egnp.exe',
      );
      // JSON carries the name exactly (escaped as JSON).
      expect((await json(at('evil.crt'))).commonName).toBe('evil\u001b[2J\u001b[1;1HChain: OK\u009b31m\u202egnp.exe');
    });

    it('a name holding line breaks cannot add lines of its own (a forged "Chain: OK" / "Name: OK" verdict)', async () => {
      // @peculiar/x509 escapes only the first line break of a value; Node's checkServerIdentity quotes the CN raw.
      const forged =
        'evil\n  Chain:                OK (CN=certrpc CA), against certs/ca.crt\n  Name:                 OK: valid for 127.0.0.1';
      const keys = await generateKeyPair('ecdsa-p256');
      const cert = await x509.X509CertificateGenerator.createSelfSigned({
        serialNumber: '02',
        name: [{ CN: [forged] }],
        keys,
        signingAlgorithm: signingAlgorithm('ecdsa-p256'),
        notBefore: new Date(Date.now() - 60_000),
        notAfter: new Date(Date.now() + 86_400_000),
      });
      writeFileSync(at('forged-lines.crt'), cert.toString('pem'));
      writeFileSync(at('forged-lines.key'), await exportPrivateKeyPem(keys.privateKey));
      const address = await presenting(['forged-lines.crt'], 'forged-lines.key');
      const verdictLines = (out: string) => out.split('\n').filter((l) => /^\s*(Chain|Name):/.test(l));
      const server = await inspect('--server', address);
      expect(server.code).toBe(0);
      // The server's verdict (chain, name), then the certificate's own chain row: nothing else.
      expect(verdictLines(server.stdout)).toEqual([
        expect.stringMatching(/^ {2}Chain: +FAILED /),
        expect.stringMatching(/^ {2}Name: +FAILED: /),
        expect.stringMatching(/^ {2}Chain: +FAILED /),
      ]);
      const file = await inspect(at('forged-lines.crt'));
      expect(file.code).toBe(0);
      expect(verdictLines(file.stdout)).toEqual([expect.stringMatching(/^ {2}Chain: +FAILED /)]);
      expect((await json(at('forged-lines.crt'))).commonName).toBe(forged);
    });

    it('refusals: nothing listening exits 1; bad flag combinations and a bad HOST:PORT exit 2', async () => {
      const closed = await presenting(['leaf.crt'], 'leaf.key');
      await new Promise<void>((resolve) => tlsServers.pop()!.close(() => resolve()));
      const refused = await inspect('--server', closed);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`nothing is listening on ${closed} [ECONNREFUSED]`);
      const usage: [string[], RegExp][] = [
        [[pki.certFile('alice'), '--server', certrpcServer.address], /inspect a FILE or --server .*, not both/],
        [[], /say what to inspect: a FILE, or --server HOST:PORT/],
        [[pki.certFile('alice'), '--servername', 'x'], /--servername goes with --server HOST:PORT/],
        [['--server', 'no-port'], /bad --server "no-port"/],
      ];
      for (const [args, message] of usage) {
        const r = await inspect(...args);
        expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 2, stderr: expect.stringMatching(message) });
      }
    });
  });
});

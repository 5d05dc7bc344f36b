// Issue 7, parts 1-2: a server trusts client CAs independent of the CA that issued its own
// certificate (`serve --client-ca`), and its log says why each refused handshake was refused.
import { ServiceError, status } from '@grpc/grpc-js';
import { existsSync, readFileSync } from 'node:fs';
import { issueCertificate } from '../../src/pki/issue';
import { PkiDir } from '../../src/store/pki-dir';
import { ClientTlsMaterial } from '../../src/tls/client-credentials';
import { demoClients, grpcError } from '../helpers/calls';
import { RunningServer, runCli, startCli } from '../helpers/cli';
import { eventually, logLines } from '../helpers/eventually';
import { clientTls, demoPki, issue, otherCa } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';

const DAY = 86_400_000;

describe('serve --client-ca: separate trust roots, refusal reasons in the server log', () => {
  const tmp = tempDir();
  const strangerTmp = tempDir();
  let pki: PkiDir;
  let server: RunningServer;
  let bothCas: RunningServer;

  /** Client material trusting the server's CA (DIR/ca.crt), with NAME's certificate from its directory, or none. */
  const asClient = (name?: string): ClientTlsMaterial => {
    const dir = name === 'stranger' ? new PkiDir(strangerTmp.dir) : pki;
    const pair =
      name === undefined ? {} : { certPem: readFileSync(dir.certFile(name), 'utf8'), keyPem: readFileSync(dir.keyFile(name), 'utf8') };
    return { caPem: readFileSync(pki.caCertFile, 'utf8'), ...pair };
  };

  const refusals = (s: RunningServer) => logLines(s.logs()).filter((l) => l.event === 'handshake_refused');

  beforeAll(async () => {
    pki = await demoPki(tmp.dir);
    // The CLI path: a second root beside the first, and a client certificate signed by it.
    expect((await runCli(['pki', 'init', '--name', 'clients', '--dir', tmp.dir])).code).toBe(0);
    const issued = await runCli(['cert', 'issue', 'carol', '--client', '--ca', 'clients', '--dir', tmp.dir]);
    expect(issued.code).toBe(0);
    const clientsCa = await pki.loadNamedCa('clients');
    const now = Date.now();
    pki.writeIdentity(
      'expired',
      await issueCertificate(clientsCa, {
        profile: 'client',
        commonName: 'expired',
        validity: { notBefore: new Date(now - 2 * DAY), notAfter: new Date(now - DAY) },
      }),
    );
    pki.writeIdentity(
      'future',
      await issueCertificate(clientsCa, {
        profile: 'client',
        commonName: 'future',
        validity: { notBefore: new Date(now + DAY), notAfter: new Date(now + 2 * DAY) },
      }),
    );
    // A server certificate (EKU serverAuth only) presented as a client certificate.
    pki.writeIdentity(
      'api',
      await issueCertificate(clientsCa, { profile: 'server', commonName: 'api', sans: [{ type: 'DNS', value: 'api.internal' }] }),
    );
    await issue(await otherCa(strangerTmp.dir), 'stranger');
    server = await startCli(['serve', '--demo', '--dir', tmp.dir, '--port', '0', '--client-ca', pki.namedCaCertFile('clients')]);
    bothCas = await startCli([
      'serve',
      '--demo',
      '--dir',
      tmp.dir,
      '--port',
      '0',
      '--client-ca',
      pki.namedCaCertFile('clients'),
      '--client-ca',
      pki.caCertFile,
    ]);
  });

  afterAll(async () => {
    await server?.stop();
    await bothCas?.stop();
    tmp.cleanup();
    strangerTmp.cleanup();
  });

  it('pki init --name keeps CAs side by side and never replaces one; cert issue --ca names a missing CA', async () => {
    expect(readFileSync(pki.namedCaCertFile('clients'), 'utf8')).not.toBe(readFileSync(pki.caCertFile, 'utf8'));
    const again = await runCli(['pki', 'init', '--name', 'clients', '--dir', tmp.dir]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/cas\/clients\/ca\.crt: a CA already exists here; nothing was written/);
    const missing = await runCli(['cert', 'issue', 'x', '--client', '--ca', 'partners', '--dir', tmp.dir]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(
      /no CA named "partners"\n\s+fix: create it with: certrpc pki init --name partners .*\(CAs here: clients\)/,
    );
    expect(existsSync(pki.certFile('x')) || existsSync(pki.keyFile('x'))).toBe(false);
  });

  it('logs which client CAs it trusts at start', () => {
    expect(logLines(server.logs()).find((l) => Array.isArray(l.clientCas))?.clientCas).toEqual(['CN=certrpc clients CA']);
  });

  it("accepts a client of the --client-ca root, while verifying its own certificate's CA on the client side", async () => {
    const carol = demoClients(server.address, clientTls(pki, 'carol'));
    try {
      const me = await carol.whoAmI();
      expect(me.commonName).toBe('carol');
    } finally {
      carol.close();
    }
  });

  it("refuses a client of the server's own CA (not listed), and the server log names the reason", async () => {
    const alice = demoClients(server.address, clientTls(pki, 'alice'));
    const err = await grpcError(alice.whoAmI());
    alice.close();
    expect(err.code).toBe(status.UNAVAILABLE);
    expect(err.details).toMatch(/the server refused the connection/);
    const line = await eventually(() => refusals(server).find((l) => l.subject === 'CN=alice'), 'the refusal of alice in the server log');
    // alice's client trusts the demo CA (the server's), so OpenSSL sends that CA with her
    // certificate: the server sees a chain ending in a self-signed root it does not trust.
    expect(line).toMatchObject({
      code: 'SELF_SIGNED_CERT_IN_CHAIN',
      reason: 'the client certificate chains to a self-signed CA this server does not trust',
      issuer: 'CN=certrpc demo CA',
    });
    expect(line.peer).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(line.msg).toMatch(
      /^refused handshake from 127\.0\.0\.1:\d+: the client certificate chains to a self-signed CA this server does not trust \[SELF_SIGNED_CERT_IN_CHAIN\]; presented "CN=alice" issued by "CN=certrpc demo CA"$/,
    );
  });

  it('accepts both roots when both are listed (--client-ca is repeatable)', async () => {
    for (const name of ['alice', 'carol']) {
      const c = demoClients(bothCas.address, clientTls(pki, name));
      try {
        expect((await c.whoAmI()).commonName).toBe(name);
      } finally {
        c.close();
      }
    }
  });

  const cases: { what: string; name?: string; code: string; reason: RegExp }[] = [
    { what: 'no certificate', code: 'NO_CERTIFICATE', reason: /the client sent no certificate/ },
    {
      what: 'a certificate from an unknown CA',
      name: 'stranger',
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      reason: /issued by a CA this server does not trust/,
    },
    { what: 'a self-signed certificate', name: 'mallory', code: 'DEPTH_ZERO_SELF_SIGNED_CERT', reason: /self-signed/ },
    { what: 'an expired certificate', name: 'expired', code: 'CERT_HAS_EXPIRED', reason: /has expired/ },
    { what: 'a certificate not valid yet', name: 'future', code: 'CERT_NOT_YET_VALID', reason: /not valid yet/ },
    {
      what: 'a server certificate used as a client certificate',
      name: 'api',
      code: 'INVALID_PURPOSE',
      reason: /not for client authentication \(wrong extended key usage\)/,
    },
  ];

  it.each(cases)('refuses $what and logs $code', async ({ name, code, reason }) => {
    const before = refusals(server).length;
    const client = demoClients(server.address, asClient(name));
    const err = await grpcError(client.whoAmI());
    client.close();
    expect(err.code).toBe(status.UNAVAILABLE);
    const line = await eventually(
      () =>
        refusals(server)
          .slice(before)
          .find((l) => l.code === code),
      `a ${code} refusal in the server log`,
    );
    expect(line.reason).toMatch(reason);
    expect(line.subject).toBe(name === undefined ? undefined : `CN=${name}`);
  });

  it('refuses a revoked client certificate and logs CERT_REVOKED, once cert revoke publishes the CRL', async () => {
    expect((await runCli(['cert', 'issue', 'dave', '--client', '--ca', 'clients', '--dir', tmp.dir])).code).toBe(0);
    const whoAmI = async () => {
      const dave = demoClients(server.address, clientTls(pki, 'dave'));
      try {
        return await dave.whoAmI();
      } catch (err) {
        return err as Error;
      } finally {
        dave.close();
      }
    };
    expect(await whoAmI()).toMatchObject({ commonName: 'dave' });
    expect((await runCli(['cert', 'revoke', 'dave', '--dir', tmp.dir])).code).toBe(0);
    // The server watches DIR/crl.pem (one CRL per CA, the clients CA's included). Its reload swaps the
    // listener's CRL before it logs "reloaded": every handshake after that line meets the new CRL, so
    // the first connection made after it is refused at the TLS layer (not by the call-level check).
    await eventually(
      () =>
        logLines(server.logs()).find(
          (l) =>
            l.event === 'reloaded' &&
            (l.crls as { issuer: string; revoked: number }[] | undefined)?.some(
              (c) => c.issuer === 'CN=certrpc clients CA' && c.revoked >= 1,
            ),
        ),
      'the server to reload the CRL that lists dave',
    );
    const result = await whoAmI();
    expect(result).toBeInstanceOf(Error);
    expect((result as ServiceError).code).toBe(status.UNAVAILABLE);
    const line = await eventually(() => refusals(server).find((l) => l.subject === 'CN=dave'), 'the refusal of dave in the server log');
    expect(line).toMatchObject({ code: 'CERT_REVOKED', reason: 'the client certificate is revoked', issuer: 'CN=certrpc clients CA' });
  });
});

// Issue 12, item 6: a lost or rolled-back DIR/revocations.json made `ca crl` and `cert revoke`
// publish CRLs without the earlier entries and with a lower CRL number. A published CRL never drops
// an entry or goes back in number: what crl.pem lists is carried over (and restored to the record,
// with a warning), and numbering continues above it. Real CLI processes; openssl reads the result.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { PkiDir } from '../../src/store/pki-dir';
import { runCli, startCli } from '../helpers/cli';
import { demoPki } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';

jest.setTimeout(120_000);

const serial = (file: string) => new X509Certificate(readFileSync(file)).serialNumber.toLowerCase().replace(/^0+/, '');

/** CRL numbers and listed serials of every CRL in the file, as openssl reads them. */
function opensslCrls(file: string): { numbers: number[]; serials: string[] } {
  const text = splitCrls(file)
    .map((pem) => execFileSync('openssl', ['crl', '-noout', '-text'], { input: pem, encoding: 'utf8' }))
    .join('\n');
  return {
    numbers: [...text.matchAll(/X509v3 CRL Number:\s*\n\s*(\d+)/g)].map((m) => Number(m[1])),
    serials: [...text.matchAll(/Serial Number: ([0-9A-F]+)/gi)].map((m) => m[1].toLowerCase().replace(/^0+/, '')),
  };
}

const splitCrls = (file: string) => readFileSync(file, 'utf8').match(/-----BEGIN X509 CRL-----[\s\S]+?-----END X509 CRL-----\n/g) ?? [];

interface Records {
  crlNumber: number;
  revoked: { serial: string; name?: string; reason: string }[];
}
const records = (pki: PkiDir) => JSON.parse(readFileSync(pki.revocationsFile, 'utf8')) as Records;

describe('CRL publishing never goes backwards', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  const cli = (...args: string[]) => runCli([...args, '--dir', tmp.dir]);

  beforeAll(async () => {
    pki = await demoPki(tmp.dir);
    for (const name of ['eve', 'frank']) expect((await cli('cert', 'issue', name, '--client')).code).toBe(0);
    expect((await cli('cert', 'revoke', 'bob', '--reason', 'keyCompromise')).code).toBe(0); // CRL 1
    copyFileSync(pki.revocationsFile, `${pki.revocationsFile}.old`); // a backup from this moment
    expect((await cli('cert', 'revoke', 'eve', '--reason', 'superseded')).code).toBe(0); // CRL 2
  });
  afterAll(() => tmp.cleanup());

  it('ca crl with revocations.json lost: same entries, the next number, the record rebuilt, a warning', async () => {
    rmSync(pki.revocationsFile);
    const published = await cli('ca', 'crl');
    expect(published.code).toBe(0);
    expect(published.stdout).toMatch(/CRL number 3/);
    expect(published.stderr).toMatch(
      /^warning: .*revocations\.json lacked 2 revocation\(s\) that .*crl\.pem lists \(serial [0-9a-f]+ "bob", serial [0-9a-f]+ "eve"\): restored/m,
    );
    const crls = opensslCrls(pki.crlFile);
    expect(crls.numbers).toEqual([3]);
    expect(crls.serials.sort()).toEqual([serial(pki.certFile('bob')), serial(pki.certFile('eve'))].sort());
    const rebuilt = records(pki);
    expect(rebuilt.crlNumber).toBe(3);
    expect(rebuilt.revoked.map((r) => [r.name, r.reason]).sort()).toEqual([
      ['bob', 'keyCompromise'],
      ['eve', 'superseded'],
    ]);
    expect((await cli('cert', 'list', '--status', 'revoked')).stdout).toMatch(/^bob .*\n^eve /m);
  });

  it('cert revoke with an old revocations.json restored from backup: keeps eve, numbers above crl.pem', async () => {
    copyFileSync(`${pki.revocationsFile}.old`, pki.revocationsFile); // crlNumber 1, bob only
    const revoked = await cli('cert', 'revoke', 'frank');
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(/CRL number 4/);
    expect(revoked.stderr).toMatch(/warning: .*lacked 1 revocation\(s\) .*"eve"/);
    expect(revoked.stderr).toMatch(/warning: .*crl\.pem has CRL number 3, above the 1 recorded/);
    const crls = opensslCrls(pki.crlFile);
    expect(crls.numbers).toEqual([4]);
    expect(crls.serials.sort()).toEqual(['bob', 'eve', 'frank'].map((n) => serial(pki.certFile(n))).sort());
  });

  it('ca rotate with crl.pem lost but revocations on record republishes CRLs for both CAs', async () => {
    rmSync(pki.crlFile);
    const rotated = await cli('ca', 'rotate');
    expect(rotated.code).toBe(0);
    expect(existsSync(pki.crlFile)).toBe(true);
    const crls = opensslCrls(pki.crlFile);
    expect(crls.numbers).toEqual([5, 5]);
    // The old CA's CRL still lists all three.
    for (const name of ['bob', 'eve', 'frank']) expect(crls.serials).toContain(serial(pki.certFile(name)));
  });

  it('pki init --name in a directory with crl.pem republishes it with a CRL for the new CA, so a server trusting that CA starts', async () => {
    expect(existsSync(pki.crlFile)).toBe(true);
    const before = opensslCrls(pki.crlFile).numbers;
    const r = await cli('pki', 'init', '--name', 'partners');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${pki.crlFile}: republished with a CRL for the new CA`);
    const issuers = splitCrls(pki.crlFile).map((pem) =>
      execFileSync('openssl', ['crl', '-noout', '-issuer'], { input: pem, encoding: 'utf8' }).trim(),
    );
    expect(issuers).toContain('issuer=CN = certrpc partners CA');
    expect(Math.min(...opensslCrls(pki.crlFile).numbers)).toBeGreaterThan(Math.max(...before));
    const server = await startCli(['serve', '--dir', tmp.dir, '--port', '0', '--client-ca', pki.namedCaCertFile('partners')]);
    expect(await server.stop()).toBe(0);
  });
});

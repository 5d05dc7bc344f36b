import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../test/helpers/temp-dir';
import { createCa, loadSigningCa } from './ca';
import { createCrl, matchCrlsToCas, parseCrls, parseRevocationReason } from './crl';
import { x509 } from './crypto';

describe('CRLs', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('round-trips entries, reasons and the CRL number, and openssl reads it', async () => {
    const caPair = await createCa({ commonName: 'crl test CA' });
    const ca = await loadSigningCa(caPair.certPem, caPair.keyPem);
    const revokedAt = new Date('2026-01-02T03:04:05Z');
    const pem = await createCrl(
      ca,
      [
        { serial: '0abc', revokedAt, reason: 'keyCompromise' },
        { serial: 'ff01', revokedAt, reason: 'unspecified' },
      ],
      { crlNumber: 7, nextUpdate: new Date(Date.now() + 86_400_000) },
    );
    const [info] = parseCrls(pem);
    expect(info.crlNumber).toBe(7);
    expect(info.entries).toEqual([
      { serial: 'abc', revokedAt, reason: 'keyCompromise' },
      { serial: 'ff01', revokedAt, reason: 'unspecified' },
    ]);
    const { matched, foreign } = await matchCrlsToCas([info], [new x509.X509Certificate(caPair.certPem)]);
    expect(matched).toHaveLength(1);
    expect(foreign).toHaveLength(0);

    const crlFile = join(tmp.dir, 'crl.pem');
    const caFile = join(tmp.dir, 'ca.crt');
    writeFileSync(crlFile, pem);
    writeFileSync(caFile, caPair.certPem);
    const text = execFileSync('openssl', ['crl', '-in', crlFile, '-text', '-noout', '-CAfile', caFile], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(text).toMatch(/X509v3 CRL Number:\s+7/);
    expect(text).toMatch(/X509v3 Authority Key Identifier/);
    expect(text).toMatch(/Serial Number: 0ABC[\s\S]+Key Compromise/);
    expect(text).toMatch(/Serial Number: FF01/);
  });

  it('refuses a CRL signed by another key that claims a trusted CA name', async () => {
    const real = await createCa({ commonName: 'same name' });
    const impostor = await loadSigningCa(...(Object.values(await createCa({ commonName: 'same name' })) as [string, string]));
    const pem = await createCrl(impostor, [], { crlNumber: 1, nextUpdate: new Date(Date.now() + 86_400_000) });
    await expect(matchCrlsToCas(parseCrls(pem), [new x509.X509Certificate(real.certPem)], 'crl.pem')).rejects.toThrow(
      /not signed by that CA/,
    );
  });

  it('keeps the thisUpdate asked for', async () => {
    const ca = await loadSigningCa(...(Object.values(await createCa({ commonName: 'dated CA' })) as [string, string]));
    const thisUpdate = new Date('2026-03-04T05:06:07Z');
    const pem = await createCrl(ca, [], { crlNumber: 1, thisUpdate, nextUpdate: new Date('2026-04-04T05:06:07Z') });
    expect(parseCrls(pem)[0].thisUpdate).toEqual(thisUpdate);
  });

  it('every refusal names the file (or option) and the fix', async () => {
    const republish = expect.stringContaining('certrpc ca crl');
    expect(() => parseCrls('garbage', 'crl.pem')).toThrow(expect.objectContaining({ file: 'crl.pem', fix: republish }));
    const real = await createCa({ commonName: 'same name' });
    const impostor = await loadSigningCa(...(Object.values(await createCa({ commonName: 'same name' })) as [string, string]));
    const forged = parseCrls(await createCrl(impostor, [], { crlNumber: 1, nextUpdate: new Date(Date.now() + 86_400_000) }));
    await expect(matchCrlsToCas(forged, [new x509.X509Certificate(real.certPem)], 'crl.pem')).rejects.toMatchObject({
      file: 'crl.pem',
      fix: republish,
    });
    expect(() => parseRevocationReason('lost', 'why')).toThrow(
      expect.objectContaining({ option: 'why', fix: expect.stringMatching(/keyCompromise.*superseded/) }),
    );
    expect(() => parseRevocationReason('lost')).toThrow(expect.objectContaining({ option: 'reason' }));
  });

  it('says what is wrong with a damaged file and an unknown reason', () => {
    expect(() => parseCrls('garbage', 'crl.pem')).toThrow(/no PEM CRL found/);
    expect(() => parseCrls('-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n', 'crl.pem')).toThrow(/CRL #1 is corrupt/);
    expect(parseRevocationReason('KEYCOMPROMISE')).toBe('keyCompromise');
    expect(() => parseRevocationReason('lost')).toThrow(/unknown revocation reason "lost"/);
  });
});

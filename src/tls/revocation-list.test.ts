// RevocationList: the serials the CRLs in force list, from real CRLs signed by a real demo CA.
import { demoPki } from '../../test/helpers/pki';
import { tempDir } from '../../test/helpers/temp-dir';
import { createCrl } from '../pki/crl';
import { PkiDir } from '../store/pki-dir';
import { RevocationList } from './revocation-list';

describe('RevocationList', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  beforeAll(async () => {
    pki = await demoPki(tmp.dir);
  });
  afterAll(() => tmp.cleanup());

  it('holds exactly the entries of the CRLs given, with their issuer, and reports what is new', async () => {
    const ca = await pki.loadCa();
    const at = new Date('2026-02-02T00:00:00Z');
    const one = await createCrl(ca, [{ serial: '0A', revokedAt: at, reason: 'superseded' }], {
      crlNumber: 1,
      nextUpdate: new Date(Date.now() + 86_400_000),
    });
    const two = await createCrl(
      ca,
      [
        { serial: '0A', revokedAt: at, reason: 'superseded' },
        { serial: 'b0', revokedAt: at, reason: 'unspecified' },
      ],
      { crlNumber: 2, nextUpdate: new Date(Date.now() + 86_400_000) },
    );
    const list = new RevocationList();
    expect(list.size).toBe(0);
    expect(list.update(one)).toEqual([{ serial: 'a', revokedAt: at, reason: 'superseded', issuer: 'CN=certrpc demo CA' }]);
    expect(list.update(two).map((r) => r.serial)).toEqual(['b0']);
    expect(list.size).toBe(2);
    expect(list.get('b0')?.reason).toBe('unspecified');
    // A CRL that no longer lists a serial withdraws it; no CRL at all withdraws everything.
    expect(list.update(one)).toEqual([]);
    expect(list.get('b0')).toBeUndefined();
    expect(list.update(undefined)).toEqual([]);
    expect(list.size).toBe(0);
    expect(list.update('')).toEqual([]);
    // An unreadable CRL throws and changes nothing.
    list.update(one);
    expect(() => list.update('-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n')).toThrow();
    expect(list.get('a')).toBeDefined();
  });
});

// revokeCertificate() takes its reason from JavaScript callers too: a reason a CRL cannot carry is
// refused (naming the option) before anything is recorded, instead of a record the CRL disagrees with.
import { existsSync } from 'node:fs';
import { CertrpcError } from '../../src/errors/certrpc-error';
import { revokeCertificate } from '../../src/lifecycle/revoke';
import type { RevocationReason } from '../../src/pki/crl';
import { demoPki } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';

describe('revokeCertificate: the reason', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('an unknown reason is refused before anything is written; a known one in any case is recorded as RFC 5280 spells it', async () => {
    const pki = await demoPki(tmp.dir);
    const refused = await revokeCertificate(pki, { name: 'bob' }, { reason: 'lost' as RevocationReason }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CertrpcError);
    expect(refused).toMatchObject({ option: 'reason', message: 'unknown revocation reason "lost"' });
    expect(existsSync(pki.revocationsFile)).toBe(false);
    const r = await revokeCertificate(pki, { name: 'bob' }, { reason: 'KEYCOMPROMISE' as RevocationReason });
    expect(r.record.reason).toBe('keyCompromise');
  });
});

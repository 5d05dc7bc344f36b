// What issueCertificate refuses to sign, in process (the CLI suites prove the same through
// `certrpc cert issue`, out of Stryker's sight): a bad common name, a server certificate without
// SANs, a certificate that would outlive its CA. Nothing is signed in any of these cases.
import { X509Certificate } from 'node:crypto';
import { createCa, loadSigningCa, SigningCa } from './ca';
import { PkiError } from './errors';
import { commonNameProblem, issueCertificate } from './issue';
import { parseSanList } from './subject-alt-names';

/** The PkiError a promise rejects with. */
async function refusal(p: Promise<unknown>): Promise<PkiError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PkiError);
  return err as PkiError;
}

describe('issueCertificate refuses', () => {
  let ca: SigningCa;
  beforeAll(async () => {
    const pair = await createCa({ commonName: 'refusals CA', days: 30 });
    ca = await loadSigningCa(pair.certPem, pair.keyPem);
  });

  it('a common name that is empty, over 64 characters, or holds control characters (C0, DEL, C1)', async () => {
    expect(commonNameProblem('a'.repeat(64))).toBeUndefined();
    expect(commonNameProblem('a')).toBeUndefined();
    expect(commonNameProblem(' spaced name ~')).toBeUndefined();
    expect(commonNameProblem('é \u00a0ü')).toBeUndefined();
    for (const bad of ['', 'a'.repeat(65)]) expect(commonNameProblem(bad)).toBe('is not 1 to 64 characters long');
    for (const bad of ['a\nb', 'a\u001fb', 'a\u007fb', 'a\u0085b', 'a\u009fb', '\u001b[31mred'])
      expect(commonNameProblem(bad)).toBe('holds control characters');
    const err = await refusal(issueCertificate(ca, { profile: 'client', commonName: 'alice\u001b[2J' }));
    expect(err).toMatchObject({
      option: 'commonName',
      message: 'invalid common name "alice\\u001b[2J": it holds control characters',
      fix: 'give a common name of 1 to 64 printable characters',
    });
    await refusal(issueCertificate(ca, { profile: 'client', commonName: '' }));
  });

  it('a server certificate without subject alternative names', async () => {
    const err = await refusal(issueCertificate(ca, { profile: 'server', commonName: 'srv', days: 10 }));
    expect(err).toMatchObject({ code: 'SERVER_NEEDS_SAN', fix: 'state the names clients dial as sans, e.g. DNS:host.example,IP:10.0.0.5' });
    expect(err.message).toMatch(/^a server certificate needs at least one subject alternative name/);
    // A client certificate needs none; a server certificate with one is signed.
    await expect(issueCertificate(ca, { profile: 'client', commonName: 'alice', days: 10 })).resolves.toHaveProperty('certPem');
    await expect(
      issueCertificate(ca, { profile: 'server', commonName: 'srv', sans: parseSanList('DNS:srv'), days: 10 }),
    ).resolves.toHaveProperty('certPem');
  });

  it('a certificate that would outlive its CA; one ending with the CA is signed', async () => {
    const caEnd = new X509Certificate(ca.certPem).validTo;
    const err = await refusal(issueCertificate(ca, { profile: 'client', commonName: 'alice', days: 31 }));
    expect(err).toMatchObject({ option: 'days', fix: 'ask for fewer days, or rotate the CA first (rotateCa)' });
    expect(err.message).toBe(`the certificate would outlive its CA (CA expires ${new Date(caEnd).toISOString()})`);
    const notAfter = new Date(caEnd);
    const { certPem } = await issueCertificate(ca, {
      profile: 'client',
      commonName: 'alice',
      validity: { notBefore: new Date(Date.now() - 60_000), notAfter },
    });
    expect(new Date(new X509Certificate(certPem).validTo).getTime()).toBe(notAfter.getTime());
  });
});

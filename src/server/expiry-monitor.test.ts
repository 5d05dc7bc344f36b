import { expiryWarnings } from './expiry-monitor';

const DAY = 86_400_000;
const now = new Date('2026-06-01T00:00:00Z');
const inDays = (d: number) => new Date(now.getTime() + d * DAY);

describe('expiryWarnings', () => {
  const material = (certDays: number, caDays: number, crlDays?: number) => ({
    certificate: { subject: 'CN=localhost', serial: 'ab', notAfter: inDays(certDays) },
    cas: [{ subject: 'CN=certrpc CA', serial: 'cd', notAfter: inDays(caDays) }],
    crls:
      crlDays === undefined
        ? []
        : [{ issuer: 'CN=certrpc CA', caFingerprint: 'AA:BB', thisUpdate: inDays(-1), revoked: 1, nextUpdate: inDays(crlDays) }],
  });

  it('is silent when everything is far from expiry', () => {
    expect(expiryWarnings(material(200, 3000, 20), { now })).toEqual([]);
  });

  it('names the certificate, the CA and the CRL close to expiry, with what to run', () => {
    const warnings = expiryWarnings(material(12, 20, 3), { now });
    expect(warnings.map((w) => [w.what, w.daysLeft])).toEqual([
      ['certificate', 12],
      ['ca', 20],
      ['crl', 3],
    ]);
    expect(warnings[0].message).toMatch(
      /server certificate "CN=localhost" \(serial ab\) expires in 12 day\(s\) \(2026-06-13T00:00:00.000Z\): renew it with certrpc cert renew/,
    );
    expect(warnings[1].message).toMatch(/certrpc ca rotate/);
    expect(warnings[2].message).toMatch(/republish with certrpc ca crl/);
  });

  it('says "expired" once past, and follows the configured threshold', () => {
    expect(expiryWarnings(material(-2, 3000), { now })[0].message).toMatch(/expired 2 day\(s\) ago/);
    expect(expiryWarnings(material(45, 3000), { now, days: 60 })).toHaveLength(1);
    expect(expiryWarnings(material(45, 3000), { now, days: 30 })).toHaveLength(0);
  });
});

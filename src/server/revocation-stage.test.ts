// What a revoked caller is told (the stage's refusal text).
import { revokedDetails } from './revocation-stage';

describe('revokedDetails', () => {
  it('names the certificate, the time, and the reason unless unspecified', () => {
    const identity = {
      commonName: 'eve',
      sans: [],
      dnsNames: [],
      uris: [],
      ips: [],
      emails: [],
      serial: '1f',
      fingerprint: 'FP',
      issuer: 'CN=x',
      notAfter: new Date(),
    };
    const at = new Date('2026-05-06T07:08:09Z');
    expect(revokedDetails(identity, { serial: '1f', revokedAt: at, reason: 'cessationOfOperation', issuer: 'CN=x' })).toBe(
      'the client certificate CN=eve (serial 1f) was revoked at 2026-05-06T07:08:09.000Z (cessationOfOperation); ask the operator for a new certificate',
    );
    expect(revokedDetails(identity, { serial: '1f', revokedAt: at, reason: 'unspecified', issuer: 'CN=x' })).toBe(
      'the client certificate CN=eve (serial 1f) was revoked at 2026-05-06T07:08:09.000Z; ask the operator for a new certificate',
    );
  });
});

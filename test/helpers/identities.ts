// Hand-made PeerIdentity values for pure policy tests (the e2e tests use real certificates).
import type { PeerIdentity } from '../../src/gate/peer-identity';

let counter = 0;

export function identity(fields: Partial<PeerIdentity> = {}): PeerIdentity {
  const uris = fields.uris ?? [];
  const spiffe = uris.filter((u) => u.startsWith('spiffe://'));
  return {
    commonName: '',
    sans: [],
    dnsNames: [],
    ips: [],
    emails: [],
    serial: (++counter).toString(16),
    fingerprint: `FP:${++counter}`,
    issuer: 'CN=test CA',
    notAfter: new Date('2100-01-01T00:00:00Z'),
    subject: fields.commonName ? `CN=${fields.commonName}` : '',
    spiffeId: spiffe.length === 1 ? spiffe[0] : undefined,
    ...fields,
    uris,
  };
}

export const cn = (commonName: string) => identity({ commonName });

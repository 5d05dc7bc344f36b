// The revoked serials a server enforces on calls, from the same CRLs its TLS listener checks
// handshakes with (or, behind grpc-js's own listener, which has no CRL option, the only check).
// Matching is by serial alone: certrpc serials are random 128-bit numbers, the CRLs are those of the
// trusted CAs (signatures checked when loaded), and a collision refuses a caller, never admits one.
import type * as CrlModule from '../pki/crl';
import type { RevocationReason } from '../pki/crl';

/**
 * pki/crl.ts is loaded when the first CRL is, not with this module: it brings @peculiar/x509 and
 * its global Reflect polyfill, which a server (or `require('certrpc/server')`) without CRLs never needs.
 */
function parseCrls(pem: string): ReturnType<typeof CrlModule.parseCrls> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../pki/crl') as typeof CrlModule).parseCrls(pem);
}

export interface Revocation {
  serial: string;
  revokedAt: Date;
  reason: RevocationReason;
  /** The CA whose CRL lists it. */
  issuer: string;
}

export class RevocationList {
  private bySerial = new Map<string, Revocation>();

  /** Replaces the list with the CRLs' entries; returns what was not revoked before. Throws on an unreadable CRL (nothing changes). */
  update(crlPem: string | undefined): Revocation[] {
    const next = new Map<string, Revocation>();
    for (const crl of crlPem ? parseCrls(crlPem) : []) {
      for (const e of crl.entries) next.set(e.serial, { ...e, issuer: crl.issuer });
    }
    const added = [...next.values()].filter((r) => !this.bySerial.has(r.serial));
    this.bySerial = next;
    return added;
  }

  get(serial: string): Revocation | undefined {
    return this.bySerial.get(serial);
  }

  get size(): number {
    return this.bySerial.size;
  }
}

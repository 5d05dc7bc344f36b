// The revoked serials a server enforces on calls, from the same CRLs its TLS listener checks
// handshakes with. Matching is by serial alone: certrpc serials are random 128-bit numbers, and the
// handshake check (OpenSSL) is the one that also matches the issuer.
import { parseCrls, RevocationReason } from '../pki/crl';

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

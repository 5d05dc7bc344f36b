// Probes for the revocation suites: a demo certificate's serial as the CRL code writes it, and the
// calls RevocationEnforcer would end (the open calls of a certificate in the gates it watches).
import { X509Certificate } from 'node:crypto';
import { normalizeSerial } from '../../src/pki/serial';
import type { RevocationEnforcer } from '../../src/server/revocation-enforcer';
import type { PkiDir } from '../../src/store/pki-dir';
import { clientTls } from './pki';

/** The open calls of a serial the enforcer sees: a call that ended must be gone (no leak, no stale cut-off). */
export function activeCalls(enforcer: RevocationEnforcer, serial: string): number {
  return enforcer.openCalls(serial).length;
}

export const serialOf = (pki: PkiDir, name: string) => normalizeSerial(new X509Certificate(clientTls(pki, name).certPem!).serialNumber);

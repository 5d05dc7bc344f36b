// Probes for the revocation suites: a demo certificate's serial as the CRL code writes it, and the
// calls RevocationEnforcer still tracks (read from its private map: only a test looks there).
import { X509Certificate } from 'node:crypto';
import { normalizeSerial } from '../../src/pki/serial';
import type { RevocationEnforcer } from '../../src/server/revocation-enforcer';
import type { PkiDir } from '../../src/store/pki-dir';
import { clientTls } from './pki';

/** The calls the enforcer still tracks (for a serial, or all): a call that ended must be forgotten (no leak, no stale cut-off). */
export function activeCalls(enforcer: RevocationEnforcer, serial?: string): number {
  const calls = (enforcer as unknown as { calls: Map<string, Map<unknown, unknown>> }).calls;
  if (serial !== undefined) return calls.get(serial)?.size ?? 0;
  return [...calls.values()].reduce((n, m) => n + m.size, 0);
}

export const serialOf = (pki: PkiDir, name: string) => normalizeSerial(new X509Certificate(clientTls(pki, name).certPem!).serialNumber);

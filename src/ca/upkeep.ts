// What keeps a long-running CA service usable without an operator: its own server certificate
// (DIR/ca-server.crt, issued at start when missing, renewed at 2/3 of its life or when --san changes)
// and the CRLs (re-signed when a third of their validity is left: an expired CRL would make every
// server, this one included, refuse every client of that CA).
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { loadCaSet } from '../lifecycle/ca-set';
import { publishCrls } from '../lifecycle/publish-crl';
import { readDirCrls } from '../lifecycle/published-crls';
import type { Logger } from '../log/logger';
import { issueCertificate } from '../pki/issue';
import { parseSubjectAltNameText } from '../pki/name-text';
import { formatSan, San } from '../pki/subject-alt-names';
import { PkiDir } from '../store/pki-dir';
import { readUserFile } from '../store/read-file';

export const CA_SERVER_NAME = 'ca-server';
const CA_SERVER_DAYS = 90;

/** Issues DIR/ca-server.crt when it is missing, past 2/3 of its life, or names other than `sans`; returns what it did. */
export async function ensureCaServerIdentity(pki: PkiDir, sans: San[], now = new Date()): Promise<'kept' | 'issued' | 'renewed'> {
  const file = pki.certFile(CA_SERVER_NAME);
  const present = existsSync(file);
  if (present) {
    const cert = new X509Certificate(readUserFile(file, 'CA server certificate'));
    const from = Date.parse(cert.validFrom);
    const to = Date.parse(cert.validTo);
    const names = parseSubjectAltNameText(cert.subjectAltName).sort().join(',');
    const wanted = sans.map(formatSan).sort().join(',');
    if (now.getTime() < from + ((to - from) * 2) / 3 && names === wanted) return 'kept';
  }
  const pair = await issueCertificate(await pki.loadCa(), { profile: 'server', commonName: CA_SERVER_NAME, sans, days: CA_SERVER_DAYS });
  pki.writeIdentity(CA_SERVER_NAME, pair, present);
  return present ? 'renewed' : 'issued';
}

/** Re-signs DIR/crl.pem when it is missing or a CRL whose CA key is here has a third of its validity left. */
export async function refreshCrlsIfDue(pki: PkiDir, logger: Logger, now = new Date()): Promise<boolean> {
  const set = loadCaSet(pki);
  const published = existsSync(pki.crlFile) ? ((await readDirCrls(pki, set.all)) ?? []) : [];
  const signable = set.all.filter((ca) => existsSync(ca.keyFile));
  const due = signable.filter((ca) => {
    const crl = published.find((p) => p.ca.serial === ca.serial)?.crl;
    if (!crl?.nextUpdate) return true;
    const left = crl.nextUpdate.getTime() - now.getTime();
    return left < (crl.nextUpdate.getTime() - crl.thisUpdate.getTime()) / 3;
  });
  if (due.length === 0) return false;
  const r = await publishCrls(pki, { now });
  for (const warning of r.warnings) logger.warn({ event: 'crl_warning' }, warning);
  logger.info(
    { event: 'crl_published', crlNumber: r.crlNumber, nextUpdate: r.nextUpdate.toISOString(), due: due.map((c) => c.subject) },
    `published ${pki.crlFile} (CRL number ${r.crlNumber})`,
  );
  return true;
}

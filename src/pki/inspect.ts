// Human- and script-readable views of a certificate, as complete as `openssl x509 -text` on
// the parts that matter for mTLS, without the hex dumps.
import { X509Certificate as NodeCert } from 'node:crypto';
import { x509 } from './crypto';
import { displaySans, parseSubjectAltNameText, quoteNameValue } from './name-text';
import { ekuName } from './profiles';
import { formatSan, sansOf } from './subject-alt-names';
import { serialHex, VerifyResult } from './verify';

export interface CertificateInfo {
  subject: string;
  commonName: string;
  issuer: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  /** valid / expired / not yet valid, now. */
  validity: 'valid' | 'expired' | 'not-yet-valid';
  daysLeft: number;
  publicKey: string;
  signatureAlgorithm: string;
  /** Every SAN, exactly, as "TYPE:value" (the type ends at the first colon); text output quotes ambiguous values. */
  sans: string[];
  spiffeId?: string;
  extendedKeyUsage: string[];
  keyUsage: string[];
  basicConstraints: { ca: boolean; pathLength?: number };
  subjectKeyId?: string;
  authorityKeyId?: string;
  fingerprintSha256: string;
  selfSigned: boolean;
  chain?: { ok: boolean; code: string; reason: string; trustedBy?: string[] };
}

const KEY_USAGE_NAMES: [number, string][] = [
  [x509.KeyUsageFlags.digitalSignature, 'digitalSignature'],
  [x509.KeyUsageFlags.nonRepudiation, 'nonRepudiation'],
  [x509.KeyUsageFlags.keyEncipherment, 'keyEncipherment'],
  [x509.KeyUsageFlags.dataEncipherment, 'dataEncipherment'],
  [x509.KeyUsageFlags.keyAgreement, 'keyAgreement'],
  [x509.KeyUsageFlags.keyCertSign, 'keyCertSign'],
  [x509.KeyUsageFlags.cRLSign, 'cRLSign'],
];

function publicKeyDescription(node: NodeCert): string {
  const key = node.publicKey;
  const d = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec')
    return `ECDSA ${d.namedCurve === 'prime256v1' ? 'P-256' : d.namedCurve === 'secp384r1' ? 'P-384' : d.namedCurve}`;
  if (key.asymmetricKeyType === 'rsa') return `RSA ${d.modulusLength} bit`;
  return key.asymmetricKeyType ?? 'unknown';
}

function hex(buf: ArrayBuffer | string): string {
  return (typeof buf === 'string' ? buf : Buffer.from(buf).toString('hex')).toLowerCase();
}

export function describeCertificate(pem: string, chain?: VerifyResult, now = new Date()): CertificateInfo {
  const node = new NodeCert(pem);
  const cert = new x509.X509Certificate(pem);
  const notBefore = new Date(node.validFrom);
  const notAfter = new Date(node.validTo);
  const basic = cert.getExtension(x509.BasicConstraintsExtension);
  const ku = cert.getExtension(x509.KeyUsagesExtension);
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
  const ski = cert.getExtension(x509.SubjectKeyIdentifierExtension);
  const aki = cert.getExtension(x509.AuthorityKeyIdentifierExtension);
  // The types certrpc issues as @peculiar/x509 reads them; the others (DirName, othername...) as Node prints them.
  const others = parseSubjectAltNameText(node.subjectAltName).filter((s) => !/^(DNS|IP|URI|email):/.test(s));
  const sans = [...sansOf(cert).map(formatSan), ...others];
  // As servers see it (authz/identity.ts): a SPIFFE ID only when there is exactly one.
  const spiffes = sans.filter((s) => s.startsWith('URI:spiffe://'));
  const spiffe = spiffes.length === 1 ? spiffes[0] : undefined;
  const commonNames = cert.subjectName.getField('CN');
  const sig = cert.signatureAlgorithm as { name: string; hash?: { name: string } };
  return {
    subject: cert.subject,
    // As servers read it (authz/identity.ts): several CNs are no CN.
    commonName: commonNames.length === 1 ? commonNames[0] : '',
    issuer: cert.issuer,
    serial: serialHex(node),
    notBefore: notBefore.toISOString(),
    notAfter: notAfter.toISOString(),
    validity: now < notBefore ? 'not-yet-valid' : now > notAfter ? 'expired' : 'valid',
    daysLeft: Math.floor((notAfter.getTime() - now.getTime()) / 86_400_000),
    publicKey: publicKeyDescription(node),
    signatureAlgorithm: `${sig.name}${sig.hash ? ` with ${sig.hash.name}` : ''}`,
    sans,
    spiffeId: spiffe?.slice(4),
    extendedKeyUsage: (eku?.usages ?? []).map((u) => ekuName(String(u))),
    keyUsage: ku ? KEY_USAGE_NAMES.filter(([flag]) => (ku.usages & flag) !== 0).map(([, name]) => name) : [],
    basicConstraints: { ca: basic?.ca ?? false, pathLength: basic?.pathLength },
    subjectKeyId: ski ? hex(ski.keyId) : undefined,
    authorityKeyId: aki?.keyId ? hex(aki.keyId) : undefined,
    fingerprintSha256: node.fingerprint256,
    selfSigned: node.subject === node.issuer && node.verify(node.publicKey),
    chain: chain && { ok: chain.ok, code: chain.code, reason: chain.reason, trustedBy: chain.ok ? chain.chain.slice(1) : undefined },
  };
}

/**
 * A value stays on its row: @peculiar/x509 escapes only the first line break of a name value, so a
 * subject "x\n\n  Chain: OK" would print a line of its own. (The CLI escapes the rest: text/printable.)
 */
export const oneLine = (value: string) => value.replace(/\n/g, '\\n');

/** The text form, aligned like `openssl x509 -text`, one fact per line. */
export function formatCertificateInfo(info: CertificateInfo, file?: string): string {
  const lines: string[] = [];
  const row = (label: string, value: string | undefined) =>
    value !== undefined && value !== '' && lines.push(`  ${label.padEnd(22)}${oneLine(value)}`);
  lines.push(`Certificate${file ? ` ${file}` : ''}:`);
  row('Subject:', info.subject);
  row('Issuer:', `${info.issuer}${info.selfSigned ? ' (self-signed)' : ''}`);
  row('Serial:', info.serial);
  row('Not before:', info.notBefore);
  const status =
    info.validity === 'valid' ? `valid, ${info.daysLeft} days left` : info.validity === 'expired' ? 'EXPIRED' : 'NOT YET VALID';
  row('Not after:', `${info.notAfter} (${status})`);
  row('Public key:', info.publicKey);
  row('Signature:', info.signatureAlgorithm);
  row(
    'Basic constraints:',
    info.basicConstraints.ca
      ? `CA:TRUE${info.basicConstraints.pathLength !== undefined ? `, pathlen:${info.basicConstraints.pathLength}` : ''}`
      : 'CA:FALSE',
  );
  row('Key usage:', info.keyUsage.join(', '));
  row('Extended key usage:', info.extendedKeyUsage.join(', '));
  // Quoted where a value holds a comma or quote: a DNS name "x, URI:spiffe://..." must not read as three names.
  row('Subject alt names:', displaySans(info.sans));
  row('SPIFFE ID:', info.spiffeId === undefined ? undefined : quoteNameValue(info.spiffeId));
  row('Subject key id:', info.subjectKeyId);
  row('Authority key id:', info.authorityKeyId);
  row('SHA-256 fingerprint:', info.fingerprintSha256);
  if (info.chain)
    row('Chain:', info.chain.ok ? `OK (${info.chain.trustedBy?.join(' -> ')})` : `FAILED ${info.chain.code}: ${info.chain.reason}`);
  return lines.join('\n');
}

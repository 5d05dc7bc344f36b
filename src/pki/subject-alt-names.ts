// Subject alternative names as users write them ("DNS:api,IP:10.0.0.5,URI:spiffe://corp/svc/kv")
// and as certrpc prints them: "TYPE:value" (openssl -text's form), the value quoted in text when it
// holds a comma, quote or control character (name-text.ts), and checked before anything is signed.
import { isIP } from 'node:net';
import { x509 } from './crypto';
import { PkiError } from './errors';
import { displaySan } from './name-text';

export type SanType = 'DNS' | 'IP' | 'URI' | 'email';
export interface San {
  type: SanType;
  value: string;
}

const TYPE_BY_PREFIX: Record<string, SanType> = { dns: 'DNS', ip: 'IP', uri: 'URI', email: 'email' };
const DNS_NAME = /^(\*\.)?([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i;

/** "TYPE:value", exactly (certrpc's form in JSON and in PeerIdentity.sans). */
export function formatSan(san: San): string {
  return `${san.type}:${san.value}`;
}

/** "TYPE:value" for text: the value quoted when it holds a comma, quote or control character (name-text.ts). */
export function formatSanText(san: San): string {
  return displaySan(formatSan(san));
}

/** Parses one "TYPE:value" entry; throws a PkiError naming the flag and the accepted forms. */
export function parseSan(entry: string, option = 'sans'): San {
  const trimmed = entry.trim();
  const colon = trimmed.indexOf(':');
  if (colon <= 0) throw badSan(trimmed, 'missing TYPE: prefix', { option });
  const type = TYPE_BY_PREFIX[trimmed.slice(0, colon).toLowerCase()];
  if (!type) throw badSan(trimmed, `unknown type "${trimmed.slice(0, colon)}"`, { option });
  return checkSan({ type, value: trimmed.slice(colon + 1) }, { option });
}

/**
 * Checks that a name is what its type says (a DNS name, an IP address, an absolute URI, an email
 * address), whoever wrote it: a --san flag or a CSR. A CSR may ask for any IA5 string, e.g. the DNS
 * name "x, URI:spiffe://corp/user/admin"; such a name is refused, never issued.
 */
export function checkSan(san: San, where: { option?: string; file?: string } = { option: 'sans' }): San {
  const { type, value } = san;
  const problem = (): string | undefined => {
    if (!value) return 'empty value';
    switch (type) {
      case 'DNS':
        return !DNS_NAME.test(value) || value.length > 253 ? 'not a DNS name' : undefined;
      case 'IP':
        if (isIP(value) === 0) return 'not an IPv4 or IPv6 address';
        return value.includes('%') ? 'has a zone id (%...), which a certificate cannot hold' : undefined;
      case 'URI':
        return !/^[a-z][a-z0-9+.-]*:\/\/[\x21-\x7e]+$/i.test(value)
          ? 'not an absolute URI (scheme://..., printable ASCII, no spaces)'
          : undefined;
      case 'email':
        return !/^[\x21-\x7e]+@[\x21-\x7e]+$/.test(value) || value.split('@').length !== 2 ? 'not an email address' : undefined;
    }
  };
  const why = problem();
  if (why) throw badSan(formatSan(san), why, where);
  return type === 'IP' && isIP(value) === 6 ? { type, value: canonicalIpv6(value) } : san;
}

/**
 * An IPv6 address as RFC 5952 writes it, all hex (WHATWG URL's serializer: "::FFFF:10.0.0.1" ->
 * "::ffff:a00:1"): the form @peculiar/asn1-x509 encodes right (it reads "1.2.3.4" in a group as hex
 * "1") and prints back, so what is checked, shown and compared is what the certificate holds.
 */
function canonicalIpv6(address: string): string {
  return new URL(`http://[${address}]`).hostname.slice(1, -1);
}

function badSan(text: string, why: string, where: { option?: string; file?: string }): PkiError {
  const shown = displaySan(text) === text ? `"${text}"` : displaySan(text);
  return new PkiError(`bad subject alternative name ${shown}: ${why}`, {
    ...where,
    code: where.file ? 'CSR_BAD_SAN' : 'BAD_SAN',
    fix: where.file
      ? 'sign without acceptCsrNames and state the names as sans (TYPE:VALUE,...)'
      : 'write TYPE:VALUE entries separated by commas, e.g. DNS:api.internal,IP:10.0.0.5,URI:spiffe://corp/svc/api,email:ops@corp',
  });
}

/** Parses "A,B,C" lists, possibly given several times (repeated --san flags). */
export function parseSanList(values: string | string[] | undefined, option = 'sans'): San[] {
  const list = values === undefined ? [] : Array.isArray(values) ? values : [values];
  return list
    .flatMap((v) => v.split(','))
    .filter((v) => v.trim() !== '')
    .map((v) => parseSan(v, option));
}

export function toGeneralNames(sans: San[]): x509.JsonGeneralNames {
  const kind = { DNS: 'dns', IP: 'ip', URI: 'url', email: 'email' } as const;
  return sans.map((s) => ({ type: kind[s.type], value: s.value }));
}

/** The SANs a certificate carries, in certrpc's "TYPE:value" form. */
export function sansOf(cert: x509.X509Certificate): San[] {
  const ext = cert.getExtension(x509.SubjectAlternativeNameExtension);
  if (!ext) return [];
  const kind: Record<string, SanType | undefined> = { dns: 'DNS', ip: 'IP', url: 'URI', email: 'email' };
  return ext.names.items.flatMap((n) => {
    const type = kind[n.type];
    return type ? [{ type, value: n.value }] : [];
  });
}

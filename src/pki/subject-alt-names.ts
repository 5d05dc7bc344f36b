// Subject alternative names as users write them ("DNS:api,IP:10.0.0.5,URI:spiffe://corp/svc/kv")
// and as certrpc prints them. One format in and out, the same one openssl -text shows.
import { isIP } from 'node:net';
import { x509 } from './crypto';
import { PkiError } from './errors';

export type SanType = 'DNS' | 'IP' | 'URI' | 'email';
export interface San {
  type: SanType;
  value: string;
}

const TYPE_BY_PREFIX: Record<string, SanType> = { dns: 'DNS', ip: 'IP', uri: 'URI', email: 'email' };
const DNS_NAME = /^(\*\.)?([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i;

export function formatSan(san: San): string {
  return `${san.type}:${san.value}`;
}

/** Parses one "TYPE:value" entry; throws a PkiError naming the flag and the accepted forms. */
export function parseSan(entry: string, flag = '--san'): San {
  const trimmed = entry.trim();
  const colon = trimmed.indexOf(':');
  const bad = (why: string): never => {
    throw new PkiError(`bad subject alternative name "${trimmed}": ${why}`, {
      flag,
      fix: 'write TYPE:VALUE entries separated by commas, e.g. DNS:api.internal,IP:10.0.0.5,URI:spiffe://corp/svc/api,email:ops@corp',
    });
  };
  if (colon <= 0) return bad('missing TYPE: prefix');
  const type = TYPE_BY_PREFIX[trimmed.slice(0, colon).toLowerCase()];
  const value = trimmed.slice(colon + 1);
  if (!type) return bad(`unknown type "${trimmed.slice(0, colon)}"`);
  if (!value) return bad('empty value');
  switch (type) {
    case 'DNS':
      if (!DNS_NAME.test(value) || value.length > 253) bad('not a DNS name');
      break;
    case 'IP':
      if (isIP(value) === 0) bad('not an IPv4 or IPv6 address');
      break;
    case 'URI':
      if (!/^[a-z][a-z0-9+.-]*:\/\/[^\s]+$/i.test(value)) bad('not an absolute URI (scheme://...)');
      break;
    case 'email':
      if (!/^[^\s@]+@[^\s@]+$/.test(value)) bad('not an email address');
      break;
  }
  return { type, value };
}

/** Parses "A,B,C" lists, possibly given several times (repeated --san flags). */
export function parseSanList(values: string | string[] | undefined, flag = '--san'): San[] {
  const list = values === undefined ? [] : Array.isArray(values) ? values : [values];
  return list
    .flatMap((v) => v.split(','))
    .filter((v) => v.trim() !== '')
    .map((v) => parseSan(v, flag));
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

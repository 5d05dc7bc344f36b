// How one name matches one name-constraint base, as OpenSSL 3.0's v3_ncons.c decides it (nc_dns,
// nc_email, nc_uri, nc_ip, nc_dn and the canonical names of x509_name_canon), for
// name-constraints.ts. Each function follows its C counterpart line by line: a difference is a
// chain certrpc calls verified and every handshake refuses.
import { BlockList, isIP } from 'node:net';
import type { Name } from '@peculiar/asn1-x509';
import { hasUniversalStringValue } from './distinguished-name';

/** Why a name does not match one subtree: a plain mismatch, or a name or constraint OpenSSL cannot judge. */
export type Mismatch = 'PERMITTED_VIOLATION' | 'UNSUPPORTED_NAME_SYNTAX' | 'UNSUPPORTED_CONSTRAINT_SYNTAX' | 'UNSUPPORTED_CONSTRAINT_TYPE';

/**
 * OpenSSL's canonical form of a name (x509_name_canon, asn1_string_canon), one JSON text per RDN so
 * no value can read as two: string values with ASCII whitespace trimmed and collapsed and A-Z
 * lower-cased (nothing else: "École" is not "école" to OpenSSL); a value of a type the library
 * does not decode (NumericString, VisibleString...) stays its raw bytes, equal only to the same bytes.
 * Undefined for a name with a UniversalString value: asn1js keeps only the low 16 bits of each of
 * its characters (U+10049 reads as "I"), so its text is not the value OpenSSL compares, and the raw
 * bytes are gone. Callers treat such a name as unreadable, never as equal to another.
 */
export function canonicalRdns(name: Name): string[] | undefined {
  if (hasUniversalStringValue(name)) return undefined;
  return name.map((rdn) =>
    JSON.stringify(
      rdn
        .map((atv) =>
          atv.value.anyValue
            ? [atv.type, 'raw', Buffer.from(atv.value.anyValue).toString('hex')]
            : [
                atv.type,
                'text',
                asciiLower(
                  atv.value
                    .toString()
                    .replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, '')
                    .replace(/[ \t\n\v\f\r]+/g, ' '),
                ),
              ],
        )
        .map((entry) => JSON.stringify(entry))
        .sort(),
    ),
  );
}

/** A name's values, one of them not a string the library decodes exactly (OpenSSL would judge its bytes: certrpc does not). */
function hasUndecodedValue(name: Name): boolean {
  return hasUniversalStringValue(name) || name.some((rdn) => rdn.some((atv) => atv.value.anyValue !== undefined));
}

/** A-Z to a-z and nothing else, as OpenSSL's ia5ncasecmp and ossl_tolower fold. */
function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

function caseInsensitiveEqual(a: string, b: string): boolean {
  return asciiLower(a) === asciiLower(b);
}

/** nc_dns: the base, or any name that adds labels on its left. */
export function dnsMatches(dns: string, base: string): boolean {
  if (base.length === 0) return true;
  if (dns.length < base.length) return false;
  const tail = dns.slice(dns.length - base.length);
  if (dns.length > base.length && !base.startsWith('.') && !dns.slice(0, dns.length - base.length).endsWith('.')) return false;
  return caseInsensitiveEqual(tail, base);
}

/** nc_email, line by line: a mailbox (local part case-sensitive), a host, or a ".domain" matching the address's end. */
export function emailMatches(email: string, base: string): boolean | 'UNSUPPORTED_NAME_SYNTAX' {
  const at = email.lastIndexOf('@');
  if (at < 0) return 'UNSUPPORTED_NAME_SYNTAX';
  const baseAt = base.lastIndexOf('@');
  if (baseAt < 0 && base.startsWith('.')) {
    return email.length > base.length && caseInsensitiveEqual(email.slice(email.length - base.length), base);
  }
  let baseHost = base;
  if (baseAt >= 0) {
    if (baseAt > 0) {
      const local = email.slice(0, at);
      const baseLocal = base.slice(0, baseAt);
      if (local.length !== baseLocal.length) return false;
      if (local.includes('\0') || baseLocal.includes('\0')) return 'UNSUPPORTED_NAME_SYNTAX';
      if (local !== baseLocal) return false;
    }
    baseHost = base.slice(baseAt + 1);
  }
  return caseInsensitiveEqual(email.slice(at + 1), baseHost);
}

/** nc_uri: the host after "scheme://" (up to ':' or '/'), exactly, or ending in a ".domain" base. */
export function uriMatches(uri: string, base: string): boolean | 'UNSUPPORTED_NAME_SYNTAX' {
  const colon = uri.indexOf(':');
  if (colon < 0 || uri.slice(colon + 1, colon + 3) !== '//') return 'UNSUPPORTED_NAME_SYNTAX';
  const rest = uri.slice(colon + 3);
  const end = rest.includes(':') ? rest.indexOf(':') : rest.includes('/') ? rest.indexOf('/') : rest.length;
  const host = rest.slice(0, end);
  if (host.length === 0) return 'UNSUPPORTED_NAME_SYNTAX';
  if (base.startsWith('.')) return host.length > base.length && caseInsensitiveEqual(host.slice(host.length - base.length), base);
  return caseInsensitiveEqual(host, base);
}

/** nc_ip: an address inside the base's subnet, of the same family (an IPv4-mapped IPv6 address is IPv6 here). */
export function ipMatches(ip: string, base: string): boolean | Mismatch {
  const family = isIP(ip);
  if (family === 0) return 'UNSUPPORTED_NAME_SYNTAX';
  const [net, prefix] = base.split('/');
  const baseFamily = isIP(net ?? '');
  if (baseFamily === 0 || prefix === undefined || !/^\d+$/.test(prefix)) return 'UNSUPPORTED_CONSTRAINT_SYNTAX';
  if (baseFamily !== family) return false;
  const subnet = new BlockList();
  subnet.addSubnet(net, Number(prefix), family === 4 ? 'ipv4' : 'ipv6');
  return subnet.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}

/** nc_dn: the base's RDNs begin the name. */
export function dnMatches(name: Name, base: Name): boolean | Mismatch {
  if (hasUndecodedValue(base)) return 'UNSUPPORTED_CONSTRAINT_SYNTAX';
  if (hasUndecodedValue(name)) return 'UNSUPPORTED_NAME_SYNTAX';
  // Both readable: hasUndecodedValue refused every name canonicalRdns cannot write.
  const have = canonicalRdns(name)!;
  const want = canonicalRdns(base)!;
  return want.length <= have.length && want.every((rdn, i) => rdn === have[i]);
}

/**
 * cn2dnsid: a CommonName that looks like a host name (two labels or more, LDH and '_'), after
 * dropping trailing NULs; undefined when it does not; 'malformed' when OpenSSL refuses to judge it
 * (a NUL inside it).
 */
export function commonNameAsHost(value: string): string | 'malformed' | undefined {
  const cn = value.replace(/\0+$/, '');
  if (cn.includes('\0')) return 'malformed';
  let dotted = false;
  for (let i = 0; i < cn.length; i++) {
    const c = cn[i];
    if (/[A-Za-z0-9_]/.test(c)) continue;
    const inner = i > 0 && i < cn.length - 1;
    if (inner && c === '-') continue;
    if (inner && c === '.' && cn[i + 1] !== '.' && cn[i - 1] !== '-' && cn[i + 1] !== '-') {
      dotted = true;
      continue;
    }
    return undefined;
  }
  return dotted ? cn : undefined;
}

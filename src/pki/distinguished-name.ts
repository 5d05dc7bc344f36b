// THE module for distinguished names as text; three forms, each for one purpose:
// - as `certrpc cert inspect` prints them (@peculiar/x509's text: "C=DE, O=Acme\, Inc., CN=certrpc CA",
//   certificate order, RFC 4514 escapes): what a policy's `issuer:` is written in and compared with
//   (subjectAsInspected, issuerAsInspected, canonicalDistinguishedName). The one canonical form.
// - Node's text of an X509Certificate's name on one line (dnLine): for messages, without the x509 stack.
// - a name from a peer certificate's legacy object, every value RFC 4514-escaped (distinguishedNameText,
//   cnText): what a peer presented, in log lines and messages, and the A43 `subject` Go's gRPC matches.
// A value from a certificate is the issuer's words inside ours: it is always escaped, so a CN
// "x, O=Trusted" cannot read as two attributes.
import type * as AsnSchema from '@peculiar/asn1-schema';
import type * as AsnX509 from '@peculiar/asn1-x509';
import type { Name as AsnName } from '@peculiar/asn1-x509';
import type * as Crypto from './crypto';

/**
 * @peculiar/x509 (and the Reflect polyfill it needs) is loaded at the first name parsed, not with
 * this module: a policy file and the server that reads it import this file, and
 * `require('certrpc/server')` must not install a global polyfill.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const lib = (): typeof Crypto.x509 => (require('./crypto') as typeof Crypto).x509;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const asnNameClass = (): typeof AsnX509.Name => (require('@peculiar/asn1-x509') as typeof AsnX509).Name;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const asnConvert = (): typeof AsnSchema.AsnConvert => (require('@peculiar/asn1-schema') as typeof AsnSchema).AsnConvert;

const parse = (certificate: Buffer | string) =>
  new (lib().X509Certificate)(typeof certificate === 'string' ? certificate : new Uint8Array(certificate));

/** A certificate's subject (DER or PEM) exactly as `cert inspect` prints it. */
export function subjectAsInspected(certificate: Buffer | string): string {
  return parse(certificate).subject;
}

/** How a CA is named to `issuer:` principals when its subject has a UniversalString value (see issuerNameOf). */
export const UNREADABLE_ISSUER = '(a name with a UniversalString value, which certrpc cannot read exactly: bind it with issuerFingerprint)';

/**
 * A CA's subject as `issuer:` principals are compared with it: `cert inspect`'s form, except for a
 * name with a UniversalString value. The library keeps 16 bits of each such character (U+10054
 * reads as "T"), so a CA under any trusted one could read as "CN=Team B CA" and take its
 * principals: such a CA is named UNREADABLE_ISSUER, which no principal names (fail closed).
 */
export function issuerNameOf(caCertificate: Buffer | string): string {
  const cert = parse(caCertificate);
  return hasUniversalStringValue(cert.subjectName.toArrayBuffer()) ? UNREADABLE_ISSUER : cert.subject;
}

/** A name (its DER, or as parsed) with a UniversalString value: the text the library gives it is not the name's. */
export function hasUniversalStringValue(name: ArrayBuffer | AsnName): boolean {
  const parsed = name instanceof ArrayBuffer ? asnConvert().parse(name, asnNameClass()) : name;
  return parsed.some((rdn) => rdn.some((atv) => atv.value.universalString !== undefined));
}

/** The issuer name a certificate carries, as `cert inspect` prints it (what it claims; the signature is not checked). */
export function issuerAsInspected(certificate: Buffer | string): string {
  return parse(certificate).issuer;
}

/**
 * A distinguished name written by hand, in the form `cert inspect` prints ("CN=a, O=b"; spaces
 * after commas optional), or undefined when it is not one. Attribute names must be upper case
 * (CN, O, OU, C, L, ST, E, DC...) or dotted OIDs.
 */
export function canonicalDistinguishedName(text: string): string | undefined {
  let canonical: string;
  try {
    canonical = new (lib().Name)(text).toString();
  } catch {
    return undefined;
  }
  // The parser drops what it cannot read ("garbage" -> ""): only a name that reads back the same is one.
  if (canonical === '' || new (lib().Name)(canonical).toString() !== canonical) return undefined;
  if (canonical.replace(/\s/g, '') !== text.replace(/\s/g, '')) return undefined;
  return canonical;
}

/** A name read from a certificate with @peculiar/asn1-x509 (a constraint's directoryName), as `cert inspect` prints names. */
export function nameAsInspected(name: AsnName): string {
  return new (lib().Name)(name).toString();
}

/**
 * Node's text of a name (X509Certificate.subject/.issuer: one attribute a line, values escaped) on
 * one line, for messages. Node gives undefined for an empty name (a leaf named by its SANs alone).
 */
export function dnLine(nodeText: string | undefined): string {
  return nodeText === undefined ? '(empty name)' : nodeText.replace(/\n/g, ', ');
}

/** One attribute value of a distinguished name, escaped as RFC 4514 says (plus controls and non-ASCII as \XX bytes). */
export function escapeDnValue(value: string): string {
  const chars = [...value];
  let out = '';
  for (const [i, c] of chars.entries()) {
    const code = c.codePointAt(0)!;
    if (code < 0x20 || code > 0x7e)
      out += [...Buffer.from(c, 'utf8')].map((b) => `\\${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
    else if ('"+,;<>\\'.includes(c) || (i === 0 && (c === '#' || c === ' ')) || (i === chars.length - 1 && c === ' ')) out += `\\${c}`;
    else out += c;
  }
  return out;
}

/** "TYPE=value", the value escaped: one attribute of a name from a certificate or a CSR. */
export function attributeText(type: string, value: string): string {
  return `${type}=${escapeDnValue(value)}`;
}

/** "CN=..." for a common name, escaped: how a caller or a certificate is named in messages. */
export function cnText(commonName: string): string {
  return attributeText('CN', commonName);
}

/**
 * Node's legacy subject/issuer object ({ O: 'Acme', CN: ['a', 'b'] }) as text with every value
 * escaped: "CN=a, CN=b, O=Acme" in the object's order, or with `rfc4514` most specific first and
 * no spaces ("O=Acme,CN=b,CN=a" reversed), as Go's gRPC writes the subject A43 principals match.
 */
export function distinguishedNameText(name: object | undefined, form: 'display' | 'rfc4514' = 'display'): string {
  const attributes = Object.entries(name ?? {}).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => attributeText(k, String(x))));
  return form === 'rfc4514' ? attributes.reverse().join(',') : attributes.join(', ');
}

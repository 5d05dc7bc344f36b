// Distinguished names as certrpc prints them: `certrpc cert inspect` shows @peculiar/x509's text
// ("C=DE, O=Acme\, Inc., CN=certrpc CA": certificate order, ", " between attributes, RFC 4514
// escapes), and a policy's `issuer:` is compared with exactly that text. One function makes it.
import type * as Crypto from './crypto';

/**
 * @peculiar/x509 (and the Reflect polyfill it needs) is loaded at the first name parsed, not with
 * this module: a policy file and the server that reads it import this file, and
 * `require('certrpc/server')` must not install a global polyfill.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const lib = (): typeof Crypto.x509 => (require('./crypto') as typeof Crypto).x509;

const parse = (certificate: Buffer | string) => new (lib().X509Certificate)(typeof certificate === 'string' ? certificate : new Uint8Array(certificate));

/** A certificate's subject (DER or PEM) exactly as `cert inspect` prints it. */
export function subjectAsInspected(certificate: Buffer | string): string {
  return parse(certificate).subject;
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

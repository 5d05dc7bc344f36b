// Subject alternative names as text (distinguished names: distinguished-name.ts): reading the ones
// Node prints, and printing names so that a value cannot pass for a separator or for another name.
// A DNS SAN may hold any IA5 string, e.g. "x, URI:spiffe://corp/user/admin"; printed raw in a list it reads as three
// names (CVE-2021-44532 was this bug in Node). node:crypto only: the server and `certrpc call`
// load this without the x509 stack.

/**
 * Node's rule for a value it prints without quotes: printable ASCII other than the characters
 * that mess with splitting or quoting. Anything else is printed as a JSON string literal.
 */
const RAW_VALUE = /^[\x20-\x7e]*$/;
const UNSAFE_IN_RAW = /[",\\']/;

/** A name value as certrpc prints it: unchanged when unambiguous, else a JSON string with commas and non-ASCII as \u escapes. */
export function quoteNameValue(value: string): string {
  if (RAW_VALUE.test(value) && !UNSAFE_IN_RAW.test(value)) return value;
  // Commas escaped too (as Node does), so even a naive split on ", " cannot cut a value in two.
  return JSON.stringify(value).replace(/[^\x20-\x7e]|,/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** "TYPE:value" (certrpc's exact form: the type ends at the first colon) for display: the value quoted when it needs it. */
export function displaySan(entry: string): string {
  const colon = entry.indexOf(':');
  return colon < 0 ? quoteNameValue(entry) : `${entry.slice(0, colon)}:${quoteNameValue(entry.slice(colon + 1))}`;
}

/** A list of "TYPE:value" names as one unambiguous line. */
export function displaySans(entries: readonly string[]): string {
  return entries.map(displaySan).join(', ');
}

/** Node's types as it prints them, to certrpc's short forms; the others (DirName, othername, ...) stay as Node names them. */
const TYPE_NAMES: Record<string, string> = { 'IP Address': 'IP' };
// A JSON string literal as Node writes one (the pattern Node's own tls.checkServerIdentity reads it with).
// eslint-disable-next-line no-control-regex -- JSON forbids raw control characters in strings: they are part of the grammar here
const JSON_STRING = /^"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/;

/**
 * Splits the text of X509Certificate.subjectAltName / PeerCertificate.subjectaltname into exact
 * "TYPE:value" entries. Node separates entries with ", " and prints a value that contains a
 * comma, quote or control character as a JSON string literal (Node >= 17), so the text is parsed,
 * never split on a pattern. Throws on text Node would not produce: a caller must not guess at names.
 */
export function parseSubjectAltNameText(text: string | undefined): string[] {
  const entries: string[] = [];
  let at = 0;
  while (text && at < text.length) {
    const colon = text.indexOf(':', at);
    if (colon < 0) throw new Error(`malformed subjectAltName text at offset ${at}: no "TYPE:"`);
    const type = text.slice(at, colon);
    let value: string;
    let end: number;
    if (text[colon + 1] === '"') {
      const literal = JSON_STRING.exec(text.slice(colon + 1));
      if (!literal) throw new Error(`malformed subjectAltName text at offset ${colon + 1}: unterminated quoted value`);
      value = JSON.parse(literal[0]) as string;
      end = colon + 1 + literal[0].length;
    } else {
      const sep = text.indexOf(', ', colon + 1);
      end = sep < 0 ? text.length : sep;
      value = text.slice(colon + 1, end);
      if (value.includes('"')) throw new Error(`malformed subjectAltName text at offset ${colon + 1}: a quote inside an unquoted value`);
    }
    entries.push(`${TYPE_NAMES[type] ?? type}:${value}`);
    if (end === text.length) break;
    if (!text.startsWith(', ', end)) throw new Error(`malformed subjectAltName text at offset ${end}: expected ", " after a quoted value`);
    at = end + 2;
  }
  return entries;
}

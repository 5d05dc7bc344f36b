// A peer's words inside ours: a server's status message, its headers, the names it reports. They
// reach a terminal, where control characters (ESC sequences, a carriage return, a bidi override)
// could repaint or reorder what the user reads. Each such character is written as an escape;
// everything else, any script included, stays as it is.

// C0 controls and DEL, C1 controls, and the Unicode bidi embeddings, overrides and isolates.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

// JSON.stringify escapes C0 controls already; these it leaves as they are.
const JSON_UNPRINTABLE = /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** JSON text with the characters above written as \uXXXX escapes: the same value, safe on a terminal. */
export function printableJson(json: string): string {
  return json.replace(JSON_UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// How a service, method or type may be named on the command line, as grpcurl takes them:
// pkg.Svc/Method, /pkg.Svc/Method (the HTTP/2 path) and pkg.Svc.Method; a leading dot
// (.pkg.Msg, as descriptors write type names) is allowed too. Every form maps to one canonical
// dotted name, which is what gets looked up.

const IDENT = '[A-Za-z_][A-Za-z0-9_]*';
const DOTTED = `${IDENT}(?:\\.${IDENT})*`;
const FORMS = new RegExp(`^(?:\\.?(${DOTTED})(?:/(${IDENT}))?|/(${DOTTED})/(${IDENT}))$`);

export interface SymbolName {
  /** pkg.Svc.Method, pkg.Msg: what the schema is asked for. */
  canonical: string;
  /** Whether it was written with a slash (pkg.Svc/Method): suggestions are given back in that form. */
  slashed: boolean;
}

/** undefined when `text` is none of the forms (a space, two slashes, an empty part...). */
export function parseSymbolName(text: string): SymbolName | undefined {
  const m = FORMS.exec(text);
  if (!m) return undefined;
  if (m[3] !== undefined) return { canonical: `${m[3]}.${m[4]}`, slashed: true };
  return m[2] !== undefined ? { canonical: `${m[1]}.${m[2]}`, slashed: true } : { canonical: m[1], slashed: false };
}

/** A method name as a service and a method, or undefined if it has no service part. */
export function splitMember(canonical: string): { parent: string; member: string } | undefined {
  const dot = canonical.lastIndexOf('.');
  return dot > 0 ? { parent: canonical.slice(0, dot), member: canonical.slice(dot + 1) } : undefined;
}

/** pkg.Svc.Method written back the way the user wrote names: pkg.Svc/Method when they used a slash. */
export function displayName(canonical: string, slashed: boolean): string {
  const split = slashed ? splitMember(canonical) : undefined;
  return split ? `${split.parent}/${split.member}` : canonical;
}

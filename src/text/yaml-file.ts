// YAML files people edit by hand (the serve config, authorization policies), parsed so that every
// problem can be reported with its line and column: syntax errors from the parser, and schema
// problems (from zod, as PathIssues) located by walking the document to the offending node.
import { Document, isMap, isNode, LineCounter, parseDocument, YAMLError } from 'yaml';
import type { PathIssue } from './schema-issues';
import type { FileIssue } from './config-error';

export { formatFileIssues } from './config-error';
export type { FileIssue } from './config-error';

export interface ParsedYaml {
  /** The plain data (maps, lists, scalars). */
  data: unknown;
  doc: Document;
  lines: LineCounter;
}

/** Parses YAML keeping positions; syntax errors come back as issues, each with its line. */
export function parseYaml(text: string): { parsed: ParsedYaml } | { issues: FileIssue[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) return { issues: doc.errors.map((e) => syntaxIssue(e, lines)) };
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    // yaml throws a ReferenceError when aliases expand past the bound (a "billion laughs" file): a
    // problem of the file, reported as one, not a crash without the file's name.
    if (!(err instanceof ReferenceError)) throw err;
    return {
      issues: [
        {
          message: `the file expands YAML aliases (*name) more than ${MAX_ALIAS_COUNT} times`,
          fix: 'write the entries out instead of aliases, and quote wildcards ("*", "svc-*"): an unquoted * is an alias',
        },
      ],
    };
  }
  return { parsed: { data, doc, lines } };
}

/** Bounds what aliases may expand to (yaml's own guard against "billion laughs" documents). */
const MAX_ALIAS_COUNT = 100;

export function syntaxIssue(error: YAMLError, lines: LineCounter): FileIssue {
  const pos = error.linePos?.[0] ?? lines.linePos(error.pos[0]);
  const message = `YAML syntax error: ${error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`;
  let fix = 'check the indentation (spaces, not tabs), colons and quotes on this line';
  if (/alias|anchor/i.test(error.message) || error.code === 'BAD_ALIAS')
    fix = 'quote wildcards: write "*" or "svc-*" in quotes (an unquoted * starts a YAML alias)';
  else if (error.code === 'DUPLICATE_KEY') fix = 'remove or rename one of the two keys';
  return { line: pos.line, column: pos.col, message, fix };
}

/** "rules[1].methods[0]" from ["rules", 1, "methods", 0]. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '');
}

/** Line and column of the node at path (its key when `key`), or of its closest existing parent. */
export function positionOf(
  doc: Document,
  lines: LineCounter,
  path: readonly PropertyKey[],
  key = false,
): { line: number; col: number } | undefined {
  for (let n = path.length; n >= 0; n--) {
    const at = path.slice(0, n);
    if (key && n === path.length && n > 0) {
      const parent = doc.getIn(at.slice(0, -1), true);
      if (isMap(parent)) {
        const pair = parent.items.find((p) => isNode(p.key) && (p.key as { value?: unknown }).value === at[at.length - 1]);
        if (pair && isNode(pair.key) && pair.key.range) return lines.linePos(pair.key.range[0]);
      }
      continue;
    }
    const node = n === 0 ? doc.contents : doc.getIn(at, true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]);
  }
  return undefined;
}

/** A schema issue with its line, column and field name added. */
export function locateIssue(issue: PathIssue, parsed: Pick<ParsedYaml, 'doc' | 'lines'>): FileIssue {
  const pos = positionOf(parsed.doc, parsed.lines, issue.path, issue.key ?? false);
  return { line: pos?.line, column: pos?.col, field: fieldPath(issue.path) || undefined, message: issue.message, fix: issue.fix };
}

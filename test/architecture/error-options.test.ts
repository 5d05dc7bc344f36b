// The library names options, the CLI names flags (issue 14, one error model): library code never
// puts a flag in an error's option nor a `--flag` in any text it produces, every option it names has
// a flag in the CLI's table, and every CLI fix is for an error code the library raises.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as ts from 'typescript';
import { OPTION_FLAGS } from '../../src/cli/error-wording';
import { SRC } from './layers';

/** The text of every string literal and template part of a source file, with its line: what the code can put in a message. */
function stringsOf(file: string, text: string): { line: number; text: string }[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: { line: number; text: string }[] = [];
  const lineOf = (node: ts.Node) => source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) found.push({ line: lineOf(node), text: node.text });
    // A template is one text, its substitutions as placeholders: a quoted command of another tool that
    // holds a substitution (`step ca token ${name} --san ...`) is still one quoted command.
    if (ts.isTemplateExpression(node)) {
      found.push({ line: lineOf(node), text: node.head.text + node.templateSpans.map((span) => `\${}${span.literal.text}`).join('') });
      return node.templateSpans.forEach((span) => visit(span.expression));
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

// Commands of other tools quoted in a fix (step-ca's `step`, openssl, curl, protoc) keep their own flags.
const OTHER_TOOLS = /`(?:step|openssl|curl|protoc) [^`]*`/g;
// npm start prints the CLI commands to try next: it words for the CLI on purpose.
const PRINTS_CLI_COMMANDS = ['app/demo-start.ts'];

function libraryFiles(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return ['cli', 'gen'].includes(e.name) && dir === SRC ? [] : libraryFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('error options', () => {
  const sources = libraryFiles().map((file) => ({ file: relative(SRC, file), text: readFileSync(file, 'utf8') }));

  it('library code names options, never flags', () => {
    const flags = sources.flatMap(({ file, text }) =>
      [...text.matchAll(/\b(?:option|flag):\s*'(-[^']*)'/g)].map((m) => `${file}: ${m[0]}`),
    );
    const readers = sources.flatMap(({ file, text }) =>
      [...text.matchAll(/(?:readUserFile|loadTrustBundle|checkName)\([^)]*,\s*'(-[^']*)'\)/g)].map((m) => `${file}: ${m[0]}`),
    );
    expect([...flags, ...readers]).toEqual([]);
  });

  it('library text (messages, fixes, log lines) never names a --flag: the CLI words fixes with flags by error code', () => {
    const named = sources
      .filter(({ file }) => !PRINTS_CLI_COMMANDS.includes(file))
      .flatMap(({ file, text }) =>
        stringsOf(file, text).flatMap((s) =>
          [...s.text.replace(OTHER_TOOLS, '').matchAll(/(?<![\w-])--[a-z][a-z-]*/g)].map((m) => `${file}:${s.line}: ${m[0]}`),
        ),
      );
    expect(named).toEqual([]);
  });

  it('every option the library names has a flag in the CLI table', () => {
    const named = new Set<string>();
    for (const { text } of sources) {
      for (const m of text.matchAll(/\boption:\s*'([A-Za-z]+)'/g)) named.add(m[1]);
      for (const m of text.matchAll(/readUserFile\([^,()]*,\s*'[^']*',\s*'([A-Za-z]+)'\)/g)) named.add(m[1]);
      for (const m of text.matchAll(/loadTrustBundle\([^,()]*,\s*'([A-Za-z]+)'\)/g)) named.add(m[1]);
      for (const m of text.matchAll(/\boption = '([A-Za-z]+)'/g)) named.add(m[1]);
    }
    expect(named.size).toBeGreaterThan(10);
    // Options of createInterceptor only: no CLI command takes them.
    const libraryOnly = ['crlFile'];
    expect([...named].filter((o) => !(o in OPTION_FLAGS) && !libraryOnly.includes(o))).toEqual([]);
  });

  it('every CLI fix is for a code the library raises', () => {
    const cliTable = readFileSync(join(SRC, 'cli', 'error-wording.ts'), 'utf8');
    const codes = [...cliTable.slice(cliTable.indexOf('CLI_FIXES')).matchAll(/^ {2}([A-Z_]+): /gm)].map((m) => m[1]);
    expect(codes.length).toBeGreaterThan(10);
    const library = sources.map((s) => s.text).join('\n');
    expect(codes.filter((code) => !library.includes(`'${code}'`))).toEqual([]);
  });
});

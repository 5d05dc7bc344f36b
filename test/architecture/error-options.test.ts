// The library names options, the CLI names flags (issue 14, one error model): library code never
// puts a flag in an error's option, every option it names has a flag in the CLI's table, and every
// CLI fix is for an error code the library raises.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { OPTION_FLAGS } from '../../src/cli/error-wording';
import { SRC } from './layers';

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
    const flags = sources.flatMap(({ file, text }) => [...text.matchAll(/\b(?:option|flag):\s*'(-[^']*)'/g)].map((m) => `${file}: ${m[0]}`));
    const readers = sources.flatMap(({ file, text }) => [...text.matchAll(/(?:readUserFile|loadTrustBundle|checkName)\([^)]*,\s*'(-[^']*)'\)/g)].map((m) => `${file}: ${m[0]}`));
    expect([...flags, ...readers]).toEqual([]);
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

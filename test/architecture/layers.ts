// The layer rule, checked from the source: a folder of src/ imports only folders of lower layers
// (never one of its own layer, never one above). The layers are read from docs/ARCHITECTURE.md,
// the one place they are written down.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

export const SRC = join(__dirname, '..', '..', 'src');
export const ARCHITECTURE = join(__dirname, '..', '..', 'docs', 'ARCHITECTURE.md');

/** Folders by layer, top first, from the table between <!-- layers --> and <!-- /layers -->. */
export function readLayers(markdown: string): string[][] {
  const start = markdown.indexOf('<!-- layers -->');
  const end = markdown.indexOf('<!-- /layers -->');
  if (start < 0 || end < start) throw new Error('docs/ARCHITECTURE.md has no <!-- layers --> ... <!-- /layers --> table');
  const rows = markdown
    .slice(start, end)
    .split('\n')
    .filter((l) => /^\|\s*\d+\s*\|/.test(l));
  return rows.map((row) => [...row.split('|')[2].matchAll(/`([a-z]+)\/`/g)].map((m) => m[1]));
}

export interface Import {
  /** Relative to src/, with forward slashes. */
  file: string;
  specifier: string;
  /** The folder the import lands in (first path segment under src/). */
  target: string;
}

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]*)['"]/gm;

/** Every relative import (import/export ... from, import(), require()) of every non-test .ts file. */
export function importsOf(src = SRC): Import[] {
  const out: Import[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
        const text = readFileSync(path, 'utf8');
        for (const m of text.matchAll(IMPORT)) {
          const target = relative(src, resolve(dirname(path), m[1])).split(sep)[0];
          out.push({ file: relative(src, path).split(sep).join('/'), specifier: m[1], target });
        }
      }
    }
  };
  walk(src);
  return out;
}

export const folderOf = (file: string): string => (file.includes('/') ? file.split('/')[0] : '(src root)');

/** "file -> specifier: why" for each import that breaks the rule, and for folders the table lacks. */
export function violations(layers: string[][], imports: Import[]): string[] {
  const layerOf = new Map<string, number>();
  layers.forEach((folders, i) => folders.forEach((f) => layerOf.set(f, i)));
  const problems = new Set<string>();
  for (const imp of imports) {
    const from = folderOf(imp.file);
    const fromLayer = layerOf.get(from);
    const toLayer = layerOf.get(imp.target);
    if (fromLayer === undefined) problems.add(`src/${from}/ is in no layer of docs/ARCHITECTURE.md (${imp.file})`);
    if (toLayer === undefined) problems.add(`src/${imp.target}/ is in no layer of docs/ARCHITECTURE.md (imported by ${imp.file})`);
    if (fromLayer === undefined || toLayer === undefined || from === imp.target) continue;
    if (toLayer === fromLayer)
      problems.add(`${imp.file} -> ${imp.specifier}: ${from}/ and ${imp.target}/ are one layer; a folder imports only folders below it`);
    else if (toLayer < fromLayer) problems.add(`${imp.file} -> ${imp.specifier}: ${imp.target}/ is above ${from}/`);
  }
  return [...problems];
}

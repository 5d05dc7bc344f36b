// No folder-level import cycles: every folder of src/ is in one layer of docs/ARCHITECTURE.md and
// imports only folders of layers below its own.
import { readdirSync, readFileSync } from 'node:fs';
import { ARCHITECTURE, importsOf, readLayers, SRC, violations } from './layers';

describe('the layers of src/', () => {
  const layers = readLayers(readFileSync(ARCHITECTURE, 'utf8'));

  it('are written in docs/ARCHITECTURE.md, each folder once', () => {
    const all = layers.flat();
    expect(all.length).toBeGreaterThan(10);
    expect(new Set(all).size).toBe(all.length);
    const folders = readdirSync(SRC, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    expect([...all].sort()).toEqual(folders);
  });

  it('hold: no import of a folder in the same or a higher layer', () => {
    const imports = importsOf();
    expect(imports.length).toBeGreaterThan(500);
    expect(violations(layers, imports)).toEqual([]);
  });

  it('the check finds an upward import, a same-layer import and a folder outside the table (so it can fail)', () => {
    const table = [['server'], ['tls', 'authz'], ['gate']];
    expect(
      violations(table, [
        { file: 'gate/caller.ts', specifier: '../server/x', target: 'server' },
        { file: 'tls/a.ts', specifier: '../authz/b', target: 'authz' },
        { file: 'server/a.ts', specifier: '../gate/b', target: 'gate' },
        { file: 'server/a.ts', specifier: './b', target: 'server' },
        { file: 'server/a.ts', specifier: '../nowhere/b', target: 'nowhere' },
      ]),
    ).toEqual([
      'gate/caller.ts -> ../server/x: server/ is above gate/',
      'tls/a.ts -> ../authz/b: tls/ and authz/ are one layer; a folder imports only folders below it',
      'src/nowhere/ is in no layer of docs/ARCHITECTURE.md (imported by server/a.ts)',
    ]);
  });

  it('reads import/export from, import() and require() alike', () => {
    const lines = importsOf()
      .filter((i) => i.file === 'tls/revocation-list.ts')
      .map((i) => i.specifier);
    expect(lines).toContain('../pki/crl'); // a type import and a lazy require()
  });
});

// Keys stay private (issue 15 item 7): `npm pack` ships no private key, certificate, CSR or bundle,
// neither as the checkout is now nor when one is left in a folder the package ships (dist/, bin/,
// proto/) or in a certs/ directory; package.json "files" excludes them by pattern.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from '../helpers/temp-dir';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
/** What must never be in the package, whatever the folder. */
const SECRET_OR_PKI = /(^|\/)certs\/|\.(key|pem|crt|csr|der|p12|pfx|bundle)$/;

async function packedFiles(cwd: string): Promise<string[]> {
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd, maxBuffer: 16 * 1024 * 1024 });
  const [info] = JSON.parse(stdout) as { files: { path: string }[] }[];
  return info.files.map((f) => f.path);
}

describe('npm pack ships no key or certificate', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('the package as the checkout packs it now', async () => {
    const files = await packedFiles(ROOT);
    expect(files).toContain('bin/certrpc');
    expect(files.filter((f) => SECRET_OR_PKI.test(f))).toEqual([]);
  }, 120_000);

  it('keys, certificates, CSRs and bundles left in shipped folders or a certs/ directory stay out; the code beside them ships', async () => {
    const pkg = join(tmp.dir, 'pkg');
    mkdirSync(pkg);
    copyFileSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
    const planted = [
      'dist/app/server.key',
      'dist/app/server.crt',
      'dist/ca.pem',
      'dist/certs/notes.txt',
      'bin/alice.bundle',
      'bin/alice.p12',
      'bin/alice.pfx',
      'proto/app.csr',
      'proto/cert.der',
      'certs/ca.key',
      'alice.key',
    ];
    const code = ['dist/entry/index.js', 'bin/certrpc', 'proto/demo/v1/kv.proto', 'README.md', 'LICENSE'];
    for (const file of [...planted, ...code]) {
      mkdirSync(dirname(join(pkg, file)), { recursive: true });
      writeFileSync(join(pkg, file), 'x\n');
    }
    const files = await packedFiles(pkg);
    expect(files.filter((f) => planted.includes(f))).toEqual([]);
    // The patterns exclude by kind, not everything: the files beside them ship.
    expect(files).toEqual(expect.arrayContaining(code));
  }, 120_000);
});

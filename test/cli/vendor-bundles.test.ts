// The CLI loads @peculiar/x509, grpc-js and @bufbuild/protobuf from one-file bundles (dist/vendor/,
// scripts/vendor-bundles.js; src/cli/vendor-modules.ts): every specifier the code requires from
// those packages must come from its bundle, or the process would hold two copies of a package (two
// asn1 schema stores, two grpc-js credential classes) and fail in ways no single test shows.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { useVendorBundles } from '../../src/cli/vendor-modules';
import { CERTRPC } from '../helpers/cli';
import { tempDir } from '../helpers/temp-dir';

const run = promisify(execFile);
const DIST = join(__dirname, '..', '..', 'dist');
const VENDOR = join(DIST, 'vendor');
const VENDORED = /^(@peculiar\/x509|@peculiar\/asn1-schema|@peculiar\/asn1-x509|@grpc\/grpc-js|@bufbuild\/protobuf)(\/|$)/;

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? jsFiles(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : [],
  );
}

/** What a CLI process loaded from node_modules of the vendored packages, or of the programs from dist/cli/ rather than their bundles (printed by a preload at exit). */
async function loadedFromNodeModules(dir: string, args: string[]): Promise<{ files: string[]; stderr: string }> {
  const preload = join(dir, 'report-loaded.js');
  writeFileSync(
    preload,
    `process.on('exit', () => require('fs').writeSync(2, 'LOADED ' + JSON.stringify(Object.keys(require.cache).filter((f) => /node_modules\\/(@peculiar|@grpc\\/grpc-js|@bufbuild\\/protobuf)\\/|dist\\/cli\\/(main|rpc\\/program)\\.js$/.test(f))) + '\\n'));\n`,
  );
  const child = await run(process.execPath, ['-r', preload, CERTRPC, ...args]).catch((err: { stderr: string }) => err);
  const line = /^LOADED (.*)$/m.exec(child.stderr);
  expect(line).not.toBeNull();
  return { files: JSON.parse(line![1]) as string[], stderr: child.stderr };
}

describe("the CLI's vendor bundles", () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('are built (esbuild is a dev dependency), with a code cache each', () => {
    const manifest = (JSON.parse(readFileSync(join(VENDOR, 'manifest.json'), 'utf8')) as { modules: Record<string, string> }).modules;
    expect(Object.keys(manifest)).toEqual(
      expect.arrayContaining(['@peculiar/x509', '@grpc/grpc-js', '@bufbuild/protobuf', '@bufbuild/protobuf/wkt']),
    );
    for (const name of ['x509', 'grpc-js', 'protobuf', 'cli-main', 'cli-rpc'])
      expect(existsSync(join(VENDOR, `${name}.code-cache`))).toBe(true);
  });

  it('answer for every specifier of those packages that the compiled code requires', () => {
    const manifest = (JSON.parse(readFileSync(join(VENDOR, 'manifest.json'), 'utf8')) as { modules: Record<string, string> }).modules;
    const required = new Set<string>();
    for (const file of jsFiles(DIST).filter((f) => !f.startsWith(VENDOR))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/require\(["']([^"']+)["']\)/g)) if (VENDORED.test(m[1])) required.add(m[1]);
    }
    expect(required.size).toBeGreaterThan(3);
    expect([...required].filter((s) => !(s in manifest))).toEqual([]);
  });

  it('cert issue and call load none of those packages from node_modules, and their program from its bundle', async () => {
    const pki = join(tmp.dir, 'pki');
    expect((await run(process.execPath, [CERTRPC, 'pki', 'init', '--dir', pki])).stdout).toMatch(/ca\.crt/);
    const issue = await loadedFromNodeModules(tmp.dir, ['cert', 'issue', 'carol', '--client', '--dir', pki]);
    expect(issue.files.map((f) => relative(DIST, f))).toEqual([]);
    // Port 1 refuses at once; by then the call has loaded grpc-js and protobuf.
    const call = await loadedFromNodeModules(tmp.dir, [
      'call',
      '127.0.0.1:1',
      'certrpc.v1.Identity/WhoAmI',
      '--identity',
      'carol',
      '--dir',
      pki,
    ]);
    expect(call.stderr).toMatch(/certrpc: /);
    expect(call.files).toEqual([]);
  });

  it('the bundled programs are not used once tsc has compiled after them (dist/ is newer): dist/ runs', () => {
    const dist = join(tmp.dir, 'dist');
    mkdirSync(join(dist, 'vendor'), { recursive: true });
    const manifest = join(dist, 'vendor', 'manifest.json');
    writeFileSync(manifest, JSON.stringify({ modules: {}, programs: ['cli-main', 'cli-rpc'] }));
    expect(useVendorBundles(join(dist, 'vendor'))).toEqual(['cli-main', 'cli-rpc']);
    const tsBuildInfo = join(dist, '.tsbuildinfo');
    writeFileSync(tsBuildInfo, '{}');
    utimesSync(manifest, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    expect(useVendorBundles(join(dist, 'vendor'))).toEqual([]);
    utimesSync(tsBuildInfo, new Date(Date.now() - 120_000), new Date(Date.now() - 120_000));
    expect(useVendorBundles(join(dist, 'vendor'))).toEqual(['cli-main', 'cli-rpc']);
    expect(useVendorBundles(join(tmp.dir, 'nowhere'))).toEqual([]);
  });
});

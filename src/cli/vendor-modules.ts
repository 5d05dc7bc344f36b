// The CLI loads its heaviest dependencies from one-file bundles (dist/vendor/, made at build time
// by scripts/vendor-bundles.js) instead of their hundreds of files in node_modules: start-up is most
// of what a `certrpc cert issue` or `certrpc call` costs (docs/BENCHMARKS.md). Only the specifiers
// the manifest names are redirected, for every requirer alike, so each package has one copy in the
// process. The library (certrpc/client, /server...) never does this: only the CLI's entry does.
import { existsSync, readFileSync, statSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

type Resolve = (request: string, parent: unknown, isMain: boolean, options?: unknown) => string;

/** dist/vendor/ beside the compiled CLI; absent when built without esbuild (then nothing changes). */
export const VENDOR_DIR = join(__dirname, '..', 'vendor');

interface Manifest {
  /** specifier -> its shim (relative to dir) */
  modules: Record<string, string>;
  /** The CLI's programs bundled whole (cli-main: main.ts, cli-rpc: rpc/program.ts). */
  programs: string[];
}

/** Redirects the bundled packages' specifiers to their bundles; says which programs are bundled (none without dist/vendor/). */
export function useVendorBundles(dir: string = VENDOR_DIR): string[] {
  const manifestFile = join(dir, 'manifest.json');
  if (!existsSync(manifestFile)) return [];
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
  redirectModules(dir, manifest.modules);
  // A tsc run after the bundles were made (tsc -p tsconfig.build.json, not scripts/build.js) left
  // them older than dist/: run dist/ itself then, never code older than what was just compiled.
  const tsBuildInfo = join(dir, '..', '.tsbuildinfo');
  const stale = existsSync(tsBuildInfo) && statSync(tsBuildInfo).mtimeMs > statSync(manifestFile).mtimeMs;
  return stale ? [] : manifest.programs;
}

function redirectModules(dir: string, modules: Record<string, string>): void {
  if (Object.keys(modules).length === 0) return;
  const redirect = new Map(Object.entries(modules).map(([specifier, file]) => [specifier, join(dir, file)]));
  const loader = Module as unknown as { _resolveFilename: Resolve };
  const resolve = loader._resolveFilename;
  loader._resolveFilename = function (request, ...rest) {
    return redirect.get(request) ?? resolve.call(this, request, ...rest);
  };
}

const bundles = new Map<string, { module: { exports: Record<string, unknown> }; script: Script }>();

/**
 * Runs dist/vendor/NAME.js once, as require() would, but compiled with V8's code cache of it
 * (NAME.code-cache, written at build time): Node 20 has no module compile cache of its own
 * (module.enableCompileCache is 22+), and compiling is a good part of loading. V8 checks the cache
 * against the source and its own version and flags, and compiles afresh when it does not fit.
 */
export function loadVendorBundle(name: string, dir: string = VENDOR_DIR): Record<string, unknown> {
  const known = bundles.get(name);
  if (known) return known.module.exports;
  const file = join(dir, `${name}.js`);
  const cacheFile = join(dir, `${name}.code-cache`);
  const script = new Script(Module.wrap(readFileSync(file, 'utf8')), {
    filename: file,
    cachedData: existsSync(cacheFile) ? readFileSync(cacheFile) : undefined,
  });
  const module = { exports: {} as Record<string, unknown> };
  bundles.set(name, { module, script }); // before it runs: a cycle through a shim finds it (as require's cache)
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(file), module, file, dirname(file));
  return module.exports;
}

/** The code cache of a bundle loaded in this process, functions compiled so far included (scripts/vendor-bundles.js). */
export function vendorCodeCache(name: string): Buffer | undefined {
  return bundles.get(name)?.script.createCachedData();
}

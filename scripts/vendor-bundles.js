// Bundles the CLI's heaviest dependencies into one file each (dist/vendor/), which
// src/cli/vendor-modules.ts has the CLI load in place of node_modules. Loading a package of ~200
// small files costs Node more in resolving, stat-ing and reading them than in running them:
// @peculiar/x509 and its asn1 packages are most of `certrpc cert issue`'s start-up (BENCHMARKS.md).
// Every entry point of a package the code uses is in the same bundle, so there is one copy of each
// module (asn1-schema's schema storage, protobuf's registries). Without esbuild (an install
// without dev dependencies) nothing is bundled and the CLI loads node_modules as before.
'use strict';
const { mkdirSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

/** bundle name -> the specifiers it answers for (every one the code imports from these packages). */
const VENDOR = {
  x509: ['@peculiar/x509', '@peculiar/asn1-schema', '@peculiar/asn1-x509'],
  // grpc-js's internals that src/ requires by path (a custom resolver) must be the bundle's own.
  'grpc-js': ['@grpc/grpc-js', '@grpc/grpc-js/build/src/resolver', '@grpc/grpc-js/build/src/uri-parser'],
  protobuf: [
    '@bufbuild/protobuf',
    '@bufbuild/protobuf/wkt',
    '@bufbuild/protobuf/wire',
    '@bufbuild/protobuf/reflect',
    '@bufbuild/protobuf/txtpb',
    '@bufbuild/protobuf/codegenv2',
  ],
};

/** Writes DIST/vendor/ (DIST: dist/, or dist-bench/src/ for `npm run bench`: bench/lib/dist-layout.ts). */
/**
 * The CLI's two programs (src/cli/entry.ts picks one) as one file each: certrpc's own ~60-200 small
 * modules a command loads cost more to find and read than to run. node_modules stay outside (they
 * go through the bundles above); a command's code still runs only when that command does.
 */
const PROGRAMS = { 'cli-main': 'cli/main.js', 'cli-rpc': 'cli/rpc/program.js' };

function build(root, dist = join(root, 'dist')) {
  let esbuild;
  try {
    esbuild = require('esbuild');
  } catch {
    console.error('vendor bundles: esbuild is not installed; the CLI loads its dependencies from node_modules');
    return;
  }
  const out = join(dist, 'vendor');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'shims'), { recursive: true });
  const manifest = {};
  for (const [name, specifiers] of Object.entries(VENDOR)) {
    // Getters: an entry point runs when first asked for (txtpb only for --format text...).
    const contents = `module.exports = {\n${specifiers.map((s) => `  get ${JSON.stringify(s)}() { return require(${JSON.stringify(s)}); },`).join('\n')}\n};\n`;
    esbuild.buildSync({
      stdin: { contents, resolveDir: root, sourcefile: `vendor-${name}.js`, loader: 'js' },
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      outfile: join(out, `${name}.js`),
      legalComments: 'inline',
      logLevel: 'error',
    });
    for (const specifier of specifiers) {
      const shim = `${specifier.replace(/[@/]/g, (c) => (c === '@' ? '' : '+'))}.js`;
      writeFileSync(
        join(out, 'shims', shim),
        `'use strict';\nmodule.exports = require('../../cli/vendor-modules.js').loadVendorBundle(${JSON.stringify(name)})[${JSON.stringify(specifier)}];\n`,
      );
      manifest[specifier] = `shims/${shim}`;
    }
  }
  for (const [name, file] of Object.entries(PROGRAMS)) {
    esbuild.buildSync({
      entryPoints: [join(dist, file)],
      bundle: true,
      packages: 'external',
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      outfile: join(out, `${name}.js`),
      logLevel: 'error',
    });
  }
  writeFileSync(join(out, 'manifest.json'), `${JSON.stringify({ modules: manifest, programs: Object.keys(PROGRAMS) }, null, 2)}\n`);
  writeCodeCaches(dist, out);
}

/**
 * V8's code cache of each bundle, for src/cli/vendor-modules.ts: made in a child process that loads
 * every entry point (so their top-level code is compiled too), with the Node that builds.
 */
function writeCodeCaches(dist, out) {
  const script = `
    const { writeFileSync } = require('node:fs');
    const { join } = require('node:path');
    require('reflect-metadata'); // as src/pki/crypto.ts does before @peculiar/x509 (tsyringe needs it)
    const vendor = require(${JSON.stringify(join(dist, 'cli', 'vendor-modules.js'))});
    vendor.useVendorBundles(${JSON.stringify(out)});
    for (const name of ${JSON.stringify(Object.keys(VENDOR))}) {
      const bundle = vendor.loadVendorBundle(name, ${JSON.stringify(out)});
      for (const key of Object.keys(bundle)) void bundle[key];
    }
    // The programs' top level only: a cache of every command's code too (buildProgram('all')) is
    // 4x larger, and reading it cost --version more than compiling one command saves.
    vendor.loadVendorBundle('cli-main', ${JSON.stringify(out)});
    vendor.loadVendorBundle('cli-rpc', ${JSON.stringify(out)});
    for (const name of ${JSON.stringify([...Object.keys(VENDOR), ...Object.keys(PROGRAMS)])}) {
      writeFileSync(join(${JSON.stringify(out)}, name + '.code-cache'), vendor.vendorCodeCache(name));
    }`;
  const r = require('node:child_process').spawnSync(process.execPath, ['-e', script], { stdio: 'inherit' });
  if (r.status !== 0) console.error('vendor bundles: no code cache written; the CLI compiles them at each start');
}

module.exports = { build, VENDOR, PROGRAMS };

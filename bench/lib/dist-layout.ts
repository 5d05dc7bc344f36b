// The library finds its protos and package.json at ../../ from its compiled files, which is the
// repository root from dist/<dir>/ but dist-bench/ from dist-bench/src/<dir>/. Links make the
// bench build look like the package, so certrpc runs here exactly as it does from dist/.
import { existsSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

const REPO = join(__dirname, '..', '..', '..');
const DIST_BENCH = join(__dirname, '..', '..');

export function linkPackageFiles(): void {
  for (const name of ['proto', 'package.json', 'policy.yaml']) {
    const link = join(DIST_BENCH, name);
    if (!existsSync(link) && existsSync(join(REPO, name))) symlinkSync(join(REPO, name), link);
  }
}

/**
 * The CLI the bench runs is this build's, bundled as bin/certrpc's is (dist/vendor/, which
 * scripts/vendor-bundles.js makes after a build): made again at every run, so the bundles never
 * hold the code of an older bench build.
 */
export function bundleCli(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a build script in plain JS, shared with scripts/build.js
  const { build } = require(join(REPO, 'scripts', 'vendor-bundles.js')) as { build: (root: string, dist: string) => void };
  build(REPO, join(DIST_BENCH, 'src'));
}

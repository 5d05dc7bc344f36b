// A suite that needs something this machine may lack (root, network namespaces) must never pass
// by not running where it is expected to run. Under CI (CI=true, as .ci/run sets it) a missing
// requirement is a failing test that names it; elsewhere the suite is skipped, and says why in
// its title and on stderr.
export const underCi = /^(true|1)$/i.test(process.env.CI ?? '');

/** describe(title, body) when `missing` is undefined; otherwise a failure under CI, or a skip that says why. */
export function describeWhenSupported(missing: string | undefined, title: string, body: () => void): void {
  if (missing === undefined) return describe(title, body);
  if (underCi) {
    describe(title, () => {
      it('can run on this machine (CI runs every suite)', () => {
        throw new Error(`this suite cannot run here: ${missing}. CI must provide it; a suite that does not run proves nothing.`);
      });
    });
    return;
  }
  console.warn(`SKIPPED "${title}": ${missing} (under CI=true this fails instead)`);
  describe.skip(`${title} [skipped: ${missing}]`, body);
}

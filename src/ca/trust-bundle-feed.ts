// What the CA service tells hosts to trust: DIR/ca.crt (the roots) and DIR/crl.pem (one CRL per CA),
// read with the one reload mechanism (store/file-reloader.ts) and pushed to every open
// WatchTrustBundle stream when either changes: `cert revoke` on the CA host reaches the agents
// within the reload's debounce, not at their next poll.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Logger } from '../log/logger';
import { parseCrls } from '../pki/crl';
import { FileReloader, ReloadTiming } from '../store/file-reloader';
import { PkiDir } from '../store/pki-dir';
import { readUserFile } from '../store/read-file';
import { checkTrustAnchors } from '../store/trust-bundle';

export interface TrustBundleView {
  caBundlePem: string;
  crlPem: string;
  revision: string;
}

export class TrustBundleFeed {
  private readonly listeners = new Map<(bundle: TrustBundleView) => void, () => void>();

  private constructor(private readonly reloader: FileReloader<TrustBundleView>) {}

  static async start(pki: PkiDir, logger?: Logger, reload?: ReloadTiming): Promise<TrustBundleFeed> {
    const target: { feed?: TrustBundleFeed } = {};
    const reloader = await FileReloader.start<TrustBundleView>({
      what: 'trust bundle for agents',
      files: [pki.caCertFile, pki.crlFile],
      load: () => readTrustBundle(pki),
      apply: (bundle) => setImmediate(() => target.feed?.publish(bundle)),
      describe: (b) => ({ revision: b.revision }),
      logger,
      ...reload,
    });
    return (target.feed = new TrustBundleFeed(reloader));
  }

  get current(): TrustBundleView {
    return this.reloader.current;
  }

  /** Calls fn with every new bundle until the returned function is called; `closed` runs when the feed closes (the server stops). */
  subscribe(fn: (bundle: TrustBundleView) => void, closed: () => void = () => undefined): () => void {
    this.listeners.set(fn, closed);
    return () => this.listeners.delete(fn);
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  close(): void {
    this.reloader.close();
    const closers = [...this.listeners.values()];
    this.listeners.clear();
    for (const closed of closers) closed();
  }

  private publish(bundle: TrustBundleView): void {
    for (const fn of this.listeners.keys()) fn(bundle);
  }
}

/** ca.crt must hold CA certificates only, and crl.pem (when there is one) must parse: a broken file is never passed on. */
export function readTrustBundle(pki: PkiDir): TrustBundleView {
  const caBundlePem = readUserFile(pki.caCertFile, 'CA certificate');
  checkTrustAnchors(caBundlePem, pki.caCertFile, 'put the root CA certificate(s) back in ca.crt');
  const crlPem = existsSync(pki.crlFile) ? readUserFile(pki.crlFile, 'CRL file') : '';
  if (crlPem) parseCrls(crlPem, pki.crlFile);
  const revision = createHash('sha256').update(caBundlePem).update('\0').update(crlPem).digest('hex').slice(0, 16);
  return { caBundlePem, crlPem, revision };
}

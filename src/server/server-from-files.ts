// A certrpc server whose TLS material lives in files and follows them: a renewed certificate or key,
// a rotated CA bundle or a new CRL is read, checked and swapped in while the server runs (new
// connections get it, open ones keep theirs, newly revoked peers are cut off), and the server warns
// ahead of expiry. This is what `certrpc serve` runs.
import { FileReloader, ReloadTiming } from '../store/file-reloader';
import type { LoadedTls, TlsFiles } from '../tls/tls-material-files';
import { CertrpcServer, createServer, CreateServerOptions } from './create-server';
import { DEFAULT_CRL_WARNING_DAYS, DEFAULT_EXPIRY_WARNING_DAYS, startExpiryMonitor } from './expiry-monitor';

export type { ReloadTiming };

export interface ServerFromFilesOptions extends Omit<CreateServerOptions, 'tls'> {
  files: TlsFiles;
  /** Warn when the certificate or a trusted CA expires within this many days (default 30). */
  expiryWarningDays?: number;
  crlWarningDays?: number;
  reload?: ReloadTiming;
}

export interface ServerFromFiles {
  server: CertrpcServer;
  /** The material in force; tests await tls.nextReload(). */
  tls: FileReloader<LoadedTls>;
}

export async function createServerFromFiles(options: ServerFromFilesOptions): Promise<ServerFromFiles> {
  const { files, expiryWarningDays, crlWarningDays, reload, ...serverOptions } = options;
  // The server is made from the first load, so the reloader's apply finds it here afterwards.
  const target: { server?: CertrpcServer; expiry?: { check: () => unknown } } = {};
  // On use, not with the module: the loader brings the PKI library (@peculiar/x509, its Reflect polyfill).
  const { describeTls, loadTlsMaterial } = await import('../tls/tls-material-files');
  const tls = await FileReloader.start<LoadedTls>({
    what: 'TLS material',
    files: [files.certFile, files.keyFile, ...files.caFiles, ...(files.crlFile ? [files.crlFile] : [])],
    load: (inForce) => loadTlsMaterial(files, inForce),
    apply: (loaded) => {
      target.server?.updateTls(loaded.material);
      // A CRL published already expired (or about to) is taken, since it may list new revocations;
      // say so now rather than at the next daily check: every client of its CA is refused.
      if (target.expiry) setImmediate(() => target.expiry?.check());
    },
    describe: describeTls,
    logger: options.logger,
    ...reload,
  });
  const server = (target.server = createServer({ ...serverOptions, tls: tls.current.material }));
  const expiry = (target.expiry = startExpiryMonitor({
    current: () => tls.current,
    logger: server.logger,
    days: expiryWarningDays ?? DEFAULT_EXPIRY_WARNING_DAYS,
    crlDays: crlWarningDays ?? DEFAULT_CRL_WARNING_DAYS,
  }));
  server.onShutdown(() => {
    tls.close();
    expiry.stop();
  });
  return { server, tls };
}

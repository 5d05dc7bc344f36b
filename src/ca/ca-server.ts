// `certrpc ca serve`: the CA of a PKI directory as a gRPC service, on certrpc's own server
// (createServerFromFiles: mutual TLS whose material follows its files, the call gate, the policy,
// the audit log). Its identity is DIR/ca-server.crt; it trusts DIR/ca.crt and enforces DIR/crl.pem
// like any certrpc server, so a revoked certificate cannot even connect to renew itself.
import { authorization, Authorization } from '../authz/authorization';
import type { AuditMode } from '../authz/policy-model';
import { CertificateAuthorityService } from '../gen/certrpc/v1/ca';
import { Logger, silentLogger } from '../log/logger';
import { loadCaSet } from '../lifecycle/ca-set';
import { SigningCa } from '../pki/ca';
import { San } from '../pki/subject-alt-names';
import { CertrpcServer, ListeningAddress } from '../server/create-server';
import type { ServerLimits } from '../server/limits';
import { createServerFromFiles } from '../server/server-from-files';
import { FileReloader, ReloadTiming } from '../store/file-reloader';
import { PkiDir } from '../store/pki-dir';
import { ANONYMOUS_CA_METHODS, defaultCaPolicy } from './ca-policy';
import { caService } from './ca-service';
import { DEFAULT_MAX_LIFETIME_MS, Issuance } from './issuance';
import { IssuedRecords } from './issued-records';
import { TokenStore } from './token-store';
import { TrustBundleFeed } from './trust-bundle-feed';
import { CA_SERVER_NAME, ensureCaServerIdentity, refreshCrlsIfDue } from './upkeep';

const UPKEEP_INTERVAL_MS = 3_600_000;

export interface CaServerOptions {
  pki: PkiDir;
  host?: string;
  port?: number;
  /** The names of DIR/ca-server.crt (agents dial one of them). */
  sans: San[];
  /** Who may call what (certrpc YAML or A43 JSON); default: defaultCaPolicy(). */
  policyFile?: string;
  audit?: { mode?: AuditMode; destination?: string };
  maxLifetimeMs?: number;
  logger?: Logger;
  limits?: Partial<ServerLimits>;
  /** Reload timing of the files it follows (tests shorten it). */
  reload?: ReloadTiming;
}

export interface RunningCa {
  server: CertrpcServer;
  address: ListeningAddress;
  feed: TrustBundleFeed;
  /** Closed by the caller after the server stopped (its audit log must see the calls drained). */
  authz: Authorization;
}

export async function startCaServer(options: CaServerOptions): Promise<RunningCa> {
  const { pki } = options;
  const logger = options.logger ?? silentLogger;
  loadCaSet(pki); // a clear error, naming the file, when DIR holds no usable CA
  await refreshCrlsIfDue(pki, logger); // agents need CRLs from the start, and this server enforces them
  const identity = await ensureCaServerIdentity(pki, options.sans);
  if (identity !== 'kept')
    logger.info({ event: 'ca_server_identity', file: pki.certFile(CA_SERVER_NAME) }, `${identity} ${pki.certFile(CA_SERVER_NAME)}`);

  const signer = await FileReloader.start<SigningCa>({
    what: 'signing CA',
    files: [pki.caCertFile, pki.caKeyFile, pki.intermediateCertFile, pki.intermediateKeyFile],
    load: () => pki.loadCa(),
    describe: (ca) => ({ subject: ca.cert.subject }),
    logger,
    ...options.reload,
  });
  const feed = await TrustBundleFeed.start(pki, logger, options.reload);
  const authz = authorization({
    ...(options.policyFile ? { policyFile: options.policyFile } : { policy: defaultCaPolicy() }),
    logger,
    audit: options.audit,
    reloadIntervalMs: options.reload?.intervalMs,
  });
  const issuance = new Issuance({
    maxLifetimeMs: options.maxLifetimeMs ?? DEFAULT_MAX_LIFETIME_MS,
    signer: () => signer.current,
    tokens: new TokenStore(pki),
    records: new IssuedRecords(pki),
  });
  const closeAll = () => {
    signer.close();
    feed.close();
  };
  let server: CertrpcServer;
  try {
    ({ server } = await createServerFromFiles({
      files: {
        certFile: pki.certFile(CA_SERVER_NAME),
        keyFile: pki.keyFile(CA_SERVER_NAME),
        caFiles: [pki.caCertFile],
        crlFile: pki.crlFile,
        revocationsFile: pki.revocationsFile,
      },
      services: [
        { definition: CertificateAuthorityService, implementation: caService({ issuance, feed, audit: authz.auditEvent, logger }) },
      ],
      authorization: authz,
      anonymousMethods: ANONYMOUS_CA_METHODS,
      logger,
      limits: options.limits,
      reload: options.reload,
    }));
  } catch (err) {
    closeAll();
    authz.close();
    throw err;
  }
  const upkeep = setInterval(() => {
    void (async () => {
      await refreshCrlsIfDue(pki, logger);
      const renewed = await ensureCaServerIdentity(pki, options.sans);
      if (renewed !== 'kept') logger.info({ event: 'ca_server_identity' }, `${renewed} ${pki.certFile(CA_SERVER_NAME)}`);
    })().catch((err: Error) => logger.error({ event: 'upkeep_failed', problem: err.message }, `CA upkeep failed: ${err.message}`));
  }, UPKEEP_INTERVAL_MS).unref();
  server.onShutdown(() => {
    clearInterval(upkeep);
    closeAll();
  });
  const address = await server.listen(options.host ?? '127.0.0.1', options.port ?? 0);
  return { server, address, feed, authz };
}

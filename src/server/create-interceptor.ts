// certrpc's policy engine as one grpc-js ServerInterceptor, for any grpc-js Server:
//
//   const server = new Server({ interceptors: [createInterceptor({ policyFile: 'policy.yaml' })] });
//   server.bindAsync(addr, ServerCredentials.createSsl(ca, [{ cert_chain, private_key }], true), ...);
//   // in a handler: callerOf(call).identity.commonName, callerOf(call).roles
//
// The gate it runs: identity (the peer certificate from getAuthContext()) -> metadata size limit ->
// revocation (crlFile, or createServer's listener CRL) -> your stages -> authorization (the policy,
// hot-reloaded; none given: deny all but health and WhoAmI) -> observers (metrics, yours, audit).
// createServer() is this interceptor behind certrpc's own TLS listener.
import { status as Status } from '@grpc/grpc-js';
import type { PeerCertificate } from 'node:tls';
import { authorization, Authorization, AuthorizationOptions } from '../authz/authorization';
import type { CompiledPolicy } from '../authz/compiled-policy';
import { CertrpcError } from '../errors/certrpc-error';
import type { CallEndObserver, CallObserver, CallStage, Rejection } from '../gate/call-context';
import { identityStage } from '../gate/identity-stage';
import { CallGate, createCallGate } from '../gate/interceptor';
import { IssuingCa, issuingCaOf } from '../gate/issuing-ca';
import { Logger, silentLogger } from '../log/logger';
import type { ServerMetrics } from '../metrics/server-metrics';
import { FileReloader } from '../store/file-reloader';
import type { LoadedRevocation } from '../tls/tls-material-files';
import { TrustedIssuers } from '../tls/trusted-issuers';
import { DEFAULT_SERVER_LIMITS } from './limits';
import { metadataLimitStage } from './metadata-limit-stage';
import { RevocationEnforcer } from './revocation-enforcer';

export interface InterceptorOptions {
  /** certrpc YAML or gRFC A43 JSON, re-read when it changes (a broken edit keeps the last good policy). */
  policyFile?: string;
  /** A compiled policy, fixed: loadPolicyFile(...), or allowAllAuthenticated() to admit every authenticated caller. */
  policy?: CompiledPolicy;
  /** An authorization() you made (and close) yourself, instead of policyFile/policy/audit. */
  authorization?: Authorization;
  /** Overrides the policy's audit settings. */
  audit?: AuthorizationOptions['audit'];
  /**
   * The CAs trusted for client certificates (PEM), as given to ServerCredentials.createSsl: tells
   * which one signed each caller, for issuer-bound principals (`issuer:`, `issuerFingerprint:`).
   * Without it (and without clientCaFiles) the issuing CA is unknown and no such principal matches.
   */
  clientCaPem?: string;
  /** The same, from files; required with crlFile, and re-read with it. */
  clientCaFiles?: string[];
  /**
   * CRLs (one per CA, as certrpc publishes DIR/crl.pem): calls from a revoked certificate are refused
   * and its open calls ended when a new CRL lists it. Fails closed: until the file is loaded calls
   * wait; if it cannot be (missing, unsigned, older than the one in force) calls are refused.
   */
  crlFile?: string;
  /** DIR/revocations.json: revocations on record must be on the CRL. */
  revocationsFile?: string;
  /** Request metadata over this many bytes is refused (default: LIMITS.maxMetadataBytes). */
  maxMetadataBytes?: number;
  /** Decisions and call ends are counted here. */
  metrics?: ServerMetrics;
  /** Policy reloads, refused edits, the no-policy warning, CRL reloads, failing stages. */
  logger?: Logger;
  /** Your checks, after identity, revocation and limits, before authorization. */
  stages?: CallStage[];
  /** Told of every decision, after metrics and before the audit log. */
  observers?: CallObserver[];
  /** Told how every call ended. */
  endObservers?: CallEndObserver[];
  /** Re-read the policy file on change (default true). */
  watch?: boolean;
  /** How often changed files are looked for, as a fallback to fs.watch (ms). */
  reloadIntervalMs?: number;
  /** A RevocationEnforcer fed elsewhere (createServer's, from its TLS material); instead of crlFile. */
  revocation?: RevocationEnforcer;
  /** The fix the no-policy warning gives (the CLI names its flag). */
  noPolicyFix?: string;
  /**
   * Methods a peer may call without a client certificate (createServer's anonymousMethods): they run
   * with no caller; of the stages only the metadata limit applies, observers see them.
   */
  anonymousMethods?: string[];
}

export interface CertrpcInterceptor extends CallGate {
  /** The policy in force now. */
  policy(): CompiledPolicy;
  readonly authorization: Authorization;
  /** Revoked serials enforced on calls (crlFile, or the one given). */
  readonly revocation?: RevocationEnforcer;
  /** The CRL file as loaded and reloaded (crlFile only): tests await crl.nextReload(). */
  readonly crl?: Promise<FileReloader<LoadedRevocation>>;
  /** Resolves once the CRL file is in force (at once without one); rejects if it could not be loaded. */
  readonly ready: Promise<void>;
  /**
   * Stops what it started: the policy and CRL file watchers (a later change is not taken up), the
   * audit log it opened (flushed, closed) and the pending connection closes of the enforcer it made.
   * An authorization or revocation enforcer you gave it stays yours to close. Safe to call twice.
   */
  close(): void;
}

export function createInterceptor(options: InterceptorOptions = {}): CertrpcInterceptor {
  const logger = options.logger ?? silentLogger;
  if (options.crlFile && !options.clientCaFiles?.length) {
    throw new CertrpcError('a CRL cannot be checked without the CAs that sign it', {
      code: 'BAD_OPTIONS',
      option: 'crlFile',
      fix: 'give clientCaFiles too: the CA certificate file(s) your server trusts for clients',
    });
  }
  const owned = !options.authorization;
  const authz =
    options.authorization ??
    authorization({
      policyFile: options.policyFile,
      policy: options.policy,
      audit: options.audit,
      logger,
      watch: options.watch,
      reloadIntervalMs: options.reloadIntervalMs,
      noPolicyFix: options.noPolicyFix,
    });

  let issuers = options.clientCaPem ? new TrustedIssuers(options.clientCaPem) : undefined;
  if (issuers) authz.trustedClientCas(issuers.cas);
  // certrpc's listener records the verified issuer at the handshake; grpc-js's own does not: then
  // the issuer is found by signature among the trusted CAs (the peer's sent chain is not at hand).
  const issuingCa = (peer: PeerCertificate): IssuingCa | undefined => issuingCaOf(peer) ?? issuers?.issuerOf(peer, () => undefined);

  const revocation = options.revocation ?? (options.crlFile ? new RevocationEnforcer(undefined, logger) : undefined);
  let crl: Promise<FileReloader<LoadedRevocation>> | undefined;
  let revocationStage = revocation?.stage;
  if (options.crlFile && revocation) {
    const files = { crlFile: options.crlFile, caFiles: options.clientCaFiles!, revocationsFile: options.revocationsFile };
    const trust = (loaded: LoadedRevocation) => {
      issuers = new TrustedIssuers(loaded.caPem);
      authz.trustedClientCas(issuers.cas);
    };
    crl = FileReloader.start<LoadedRevocation>({
      what: 'CRL',
      files: [files.crlFile, ...files.caFiles, ...(files.revocationsFile ? [files.revocationsFile] : [])],
      // Loaded on use: it brings the PKI library (@peculiar/x509 and its Reflect polyfill).
      load: async (inForce) => (await import('../tls/tls-material-files')).loadRevocation(files, inForce),
      apply: (loaded) => {
        revocation.update(loaded.crlPem); // throws (the old CRL stays) if it cannot be read
        trust(loaded);
      },
      describe: (loaded) => ({ crls: loaded.crls.map((c) => ({ issuer: c.issuer, crlNumber: c.crlNumber, revoked: c.revoked })) }),
      logger,
      intervalMs: options.reloadIntervalMs,
    }).then((reloader) => {
      revocation.update(reloader.current.crlPem);
      trust(reloader.current);
      return reloader;
    });
    revocationStage = waitForCrl(crl, revocation.stage, logger);
  }
  const ready = crl ? crl.then(() => undefined) : Promise.resolve();
  ready.catch(() => undefined); // reported by the stage and the log; awaiting it is optional

  const metadataLimit = metadataLimitStage(options.maxMetadataBytes ?? DEFAULT_SERVER_LIMITS.maxMetadataBytes);
  const gate = createCallGate({
    identity: identityStage({ issuingCaOf: issuingCa }),
    ...(options.anonymousMethods?.length ? { anonymous: { methods: new Set(options.anonymousMethods), stages: [metadataLimit] } } : {}),
    stages: [metadataLimit, ...(revocationStage ? [revocationStage] : []), ...(options.stages ?? []), ...authz.stages],
    observers: [...(options.metrics ? [options.metrics.decisionObserver] : []), ...(options.observers ?? []), ...authz.observers],
    endObservers: [...(options.metrics ? [options.metrics.endObserver] : []), ...(options.endObservers ?? [])],
    onStageError: (err, ctx) => logger.error({ err, method: ctx.method }, 'a call-gate stage failed; the call was ended with INTERNAL'),
  });
  revocation?.watchCalls(gate.inFlight);
  let closed = false;
  return Object.assign(gate, {
    policy: authz.policy,
    authorization: authz,
    revocation,
    crl,
    ready,
    close(): void {
      if (closed) return;
      closed = true;
      if (owned) authz.close();
      if (!options.revocation) revocation?.close();
      void crl?.then(
        (r) => r.close(),
        () => undefined,
      );
    },
  });
}

/**
 * The revocation stage until the CRL file is first loaded: calls wait for it (an async stage), and
 * if it cannot be loaded every call is refused. Never open: no CRL yet is not "nothing revoked".
 */
function waitForCrl(loading: Promise<unknown>, stage: CallStage, logger: Logger): CallStage {
  let state: 'loading' | 'loaded' | Rejection = 'loading';
  loading.then(
    () => (state = 'loaded'),
    (err: unknown) => {
      const why = err instanceof CertrpcError ? err.describe() : (err as Error).message;
      logger.error(
        { event: 'crl_unavailable', problem: why },
        'the CRL could not be loaded: every call is refused until the server is restarted with a valid one',
      );
      state = {
        code: Status.UNAVAILABLE,
        details: 'this server cannot check revocation (its CRL could not be loaded), so it refuses every call',
      };
    },
  );
  return (ctx) => {
    if (state === 'loaded') return stage(ctx);
    if (state === 'loading')
      return loading.then(
        () => stage(ctx),
        () => state as Rejection,
      );
    return state;
  };
}

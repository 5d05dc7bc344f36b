// `certrpc agent`: keeps one host identity fresh. It enrolls once (a one-time token, a key made here),
// then renews at 2/3 of each certificate's life (jitter, backoff, never past expiry while the CA
// answers), and keeps DIR/ca.crt and DIR/crl.pem as the CA publishes them (a watch stream: a
// revocation reaches the host within a second or two). The CA is first reached by the root's pinned
// fingerprint, afterwards by DIR/ca.crt. Every change is checked, written atomically, then --exec runs.
import { status as Status } from '@grpc/grpc-js';
import { existsSync } from 'node:fs';
import type { Logger } from '../log/logger';
import { PkiError } from '../pki/errors';
import { createKeyAndCsr, KeyAndCsr } from '../pki/make-csr';
import { parseCertificateBundle } from '../pki/pem';
import { serialHex } from '../pki/verify';
import { AgentFiles, HeldIdentity } from './agent-files';
import { BundleWatch, CaBackend, TrustMaterial } from './ca-backend';
import { ExecHook } from './exec-hook';
import { renewalTime, retryDelay } from './renewal-schedule';

/** setTimeout's limit is ~24.8 days: longer waits are taken in steps. */
const MAX_TIMER_MS = 86_400_000;
const MAX_WATCH_BACKOFF_MS = 30_000;

export interface AgentOptions {
  backend: CaBackend;
  files: AgentFiles;
  /** The root's SHA-256 fingerprint, upper-case hex with colons (normalizeFingerprint). */
  fingerprint: string;
  token?: string;
  exec: ExecHook;
  logger: Logger;
  random?: () => number;
}

export interface OnceOutcome {
  action: 'enrolled' | 'renewed' | 'none';
  serial: string;
  notAfter: Date;
  renewAt: Date;
  written: string[];
  notice?: string;
}

/** Statuses by which the CA says no to this request as such: trying again unchanged does not help. */
const REFUSALS = new Set<number>([Status.UNAUTHENTICATED, Status.PERMISSION_DENIED, Status.INVALID_ARGUMENT, Status.FAILED_PRECONDITION]);

export function isRefusal(err: unknown): boolean {
  return REFUSALS.has((err as { code?: number })?.code ?? -1) || err instanceof PkiError;
}

export class Agent {
  private trustPem?: string;
  private identity?: HeldIdentity;
  private pending?: KeyAndCsr;
  private watch?: BundleWatch;
  private timer?: NodeJS.Timeout;
  private timerWatch?: NodeJS.Timeout;
  private stopped = false;
  private material: Promise<void> = Promise.resolve();
  private fail?: (err: Error) => void;

  /** Whether this run wrote anything to DIR (a failure message says "nothing was changed" only when true). */
  wrote = false;

  constructor(private readonly options: AgentOptions) {}

  /**
   * --once: the CA's trust material first (in memory: it tells whether this certificate was revoked),
   * then enroll, or renew if due, then write ca.crt and crl.pem. Returns what was done.
   */
  async once(): Promise<OnceOutcome> {
    await this.ensureTrust();
    // Asked without a client certificate: a revoked host still learns that it is.
    const material = await this.options.backend.trustMaterial({ trustPem: this.trustPem! });
    let action: OnceOutcome['action'] = 'none';
    let notice: string | undefined;
    const written: string[] = [];
    const held = this.usableIdentity(material.crlPem);
    if (!held) {
      ({ notice } = await this.enroll(written));
      action = 'enrolled';
    } else {
      this.identity = held;
      if (Date.now() >= this.renewAt(held).getTime()) {
        ({ notice } = await this.renew(material.crlPem));
        written.push(this.options.files.keyFile, this.options.files.certFile);
        action = 'renewed';
      }
    }
    const trust = await this.adopt(material);
    await this.options.exec.run('trust-updated', trust);
    written.push(...trust);
    const id = this.identity!;
    return { action, serial: serialHex(id.leaf), notAfter: new Date(id.leaf.validTo), renewAt: this.renewAt(id), written: [...new Set(written)], ...(notice ? { notice } : {}) };
  }

  /** The daemon: runs until `signal` aborts (resolves) or the identity is lost for good (rejects). */
  async run(signal: AbortSignal): Promise<void> {
    const failed = new Promise<never>((_, reject) => (this.fail = reject));
    failed.catch(() => undefined);
    // A CA that is not up yet (a fleet booting) is waited for; a wrong pin or a bad file is not.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.ensureTrust();
        break;
      } catch (err) {
        if (isRefusal(err) || signal.aborted) throw err;
        const wait = retryDelay(attempt, undefined);
        this.options.logger.warn({ event: 'ca_unreachable', problem: describe(err), retryInMs: wait }, `the CA could not be reached, retrying in ${wait} ms: ${describe(err)}`);
        await sleep(wait, signal);
      }
    }
    if (signal.aborted) return this.stop();
    // The CA's current CRL when it answers (a revoked identity is not renewed); the one on disk otherwise.
    const material = await this.options.backend.trustMaterial({ trustPem: this.trustPem! }).catch(() => undefined);
    const held = this.usableIdentity(material?.crlPem);
    if (!held) {
      await this.enrollWithRetry(signal);
      if (signal.aborted) return this.stop();
    } else {
      this.identity = held;
      this.options.logger.info({ event: 'started', serial: serialHex(held.leaf), notAfter: held.leaf.validTo, renewAt: this.renewAt(held).toISOString() }, `holding ${this.options.files.certFile}; renewal due ${this.renewAt(held).toISOString()}`);
    }
    this.startWatch();
    this.scheduleRenewal(0);
    try {
      await Promise.race([new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true })), failed]);
    } finally {
      this.stop();
    }
  }

  private stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.timerWatch);
    this.watch?.cancel();
    this.options.backend.close();
  }

  /** DIR/ca.crt when present; otherwise the root the pin names, from the CA (kept in memory until the first write). */
  private async ensureTrust(): Promise<void> {
    const { files, fingerprint, logger } = this.options;
    const onDisk = files.readTrust();
    if (onDisk) {
      this.trustPem = onDisk;
      if (!parseCertificateBundle(onDisk).some((c) => c.fingerprint256 === fingerprint)) {
        logger.warn({ event: 'pin_not_in_bundle', file: files.caFile }, `${files.caFile} does not hold the pinned root (--ca-fingerprint): the CA is verified with ${files.caFile}, as after a root rotation`);
      }
      return;
    }
    this.trustPem = await this.options.backend.pinnedRoot(fingerprint);
    logger.info({ event: 'pinned', fingerprint }, 'first contact: the CA offers the pinned root; it verifies the CA from now on');
  }

  /**
   * The identity on disk if it can renew itself; undefined when there is none (enroll). A revoked or
   * expired one is replaced when a token is given, and is an error otherwise.
   */
  private usableIdentity(crlPem?: string): HeldIdentity | undefined {
    const { files, token } = this.options;
    if (!files.hasIdentity()) return undefined;
    const held = files.readIdentity();
    const revoked = files.revocationOf(held, crlPem);
    const expired = Date.now() >= new Date(held.leaf.validTo).getTime();
    if (!revoked && !expired) return held;
    const why = revoked ? `was revoked at ${revoked.revokedAt.toISOString()} (${revoked.reason}), according to ${crlPem ? "the CA's CRL" : files.crlFile}` : `expired at ${new Date(held.leaf.validTo).toISOString()}`;
    if (token) {
      this.options.logger.warn({ event: 're_enroll', serial: serialHex(held.leaf) }, `${files.certFile} ${why}: enrolling again with the token`);
      return undefined;
    }
    throw new PkiError(`this host's certificate (serial ${serialHex(held.leaf)}) ${why}; it cannot renew itself, nothing was changed`, {
      file: files.certFile,
      fix: `on the CA host: certrpc ca token ${files.name} --force ...; then run the agent again with --token (or CERTRPC_TOKEN)`,
    });
  }

  private async enroll(written: string[]): Promise<{ notice?: string }> {
    const { files, backend, token, logger, exec } = this.options;
    if (!token) {
      throw new PkiError(`no certificate yet (${files.certFile}) and no token to enroll with`, { option: 'token', fix: `on the CA host: certrpc ca token ${files.name} --client|--server ...; then pass it with --token or CERTRPC_TOKEN` });
    }
    // A key without its certificate is never overwritten (a revoked/expired pair being replaced goes as a pair).
    if (!files.hasIdentity() && existsSync(files.keyFile)) {
      throw new PkiError(`${files.keyFile} exists without ${files.certFile} (left by an interrupted enrollment, or another program's key); nothing was written`, { file: files.keyFile, fix: 'move it away, or choose another --name' });
    }
    files.checkWritable();
    const request = await createKeyAndCsr(files.name);
    const issued = await backend.enroll({ token, csrPem: request.csrPem, trustPem: this.trustPem! });
    const held = files.checkIssued(issued.certPem, request.keyPem, this.trustPem!);
    // The token is spent: the identity is written now, whatever happens to the trust material next.
    files.writeIdentity(held);
    this.wrote = true;
    this.identity = held;
    written.push(files.keyFile, files.certFile);
    logger.info({ event: 'enrolled', serial: serialHex(held.leaf), notAfter: held.leaf.validTo, renewAt: this.renewAt(held).toISOString(), notice: issued.notice }, `enrolled ${files.name}: serial ${serialHex(held.leaf)}, expires ${held.leaf.validTo}`);
    if (!files.readTrust()) {
      // At least the pinned root, which verified the CA: the identity must be usable on this host.
      written.push(...files.writeTrust({ caBundlePem: this.trustPem!, crlPem: '' }, { caChanged: true, crlChanged: false }));
    }
    await exec.run('enrolled', [...written]);
    return { notice: issued.notice };
  }

  private async enrollWithRetry(signal: AbortSignal): Promise<void> {
    for (let attempt = 1; !signal.aborted; attempt++) {
      try {
        await this.enroll([]);
        return;
      } catch (err) {
        if (isRefusal(err)) throw err;
        const wait = retryDelay(attempt, undefined);
        this.options.logger.warn({ event: 'enroll_failed', problem: describe(err), retryInMs: wait }, `enrollment failed, retrying in ${wait} ms: ${describe(err)}`);
        await sleep(wait, signal);
      }
    }
  }

  /** One renewal: a new key, the CA's certificate for it, checked, written, --exec. Retries reuse the key (the CA repeats a lost answer). */
  private async renew(crlPem?: string): Promise<{ notice?: string }> {
    const { files, backend, logger, exec } = this.options;
    const current = this.identity!;
    const revoked = files.revocationOf(current, crlPem);
    if (revoked) {
      throw new PkiError(`this host's certificate (serial ${serialHex(current.leaf)}) was revoked at ${revoked.revokedAt.toISOString()} (${revoked.reason}), according to ${crlPem ? "the CA's CRL" : files.crlFile}: it cannot renew itself`, {
        file: files.certFile,
        fix: `on the CA host: certrpc ca token ${files.name} --force ...; then run the agent again with --token`,
      });
    }
    this.pending ??= await createKeyAndCsr(files.name);
    const issued = await backend.renew({ current, csrPem: this.pending.csrPem, trustPem: this.trustPem! });
    const held = files.checkIssued(issued.certPem, this.pending.keyPem, this.trustPem!);
    files.writeIdentity(held);
    this.wrote = true;
    this.pending = undefined;
    this.identity = held;
    logger.info(
      { event: 'renewed', serial: serialHex(held.leaf), previous: serialHex(current.leaf), notAfter: held.leaf.validTo, renewAt: this.renewAt(held).toISOString(), notice: issued.notice },
      `renewed ${files.name}: serial ${serialHex(current.leaf)} -> ${serialHex(held.leaf)}, expires ${held.leaf.validTo}`,
    );
    await exec.run('renewed', [files.keyFile, files.certFile]);
    return { notice: issued.notice };
  }

  private renewAt(held: HeldIdentity): Date {
    return renewalTime(new Date(held.leaf.validFrom), new Date(held.leaf.validTo), this.options.random);
  }

  private scheduleRenewal(attempt: number): void {
    if (this.stopped) return;
    const held = this.identity!;
    const notAfter = new Date(held.leaf.validTo);
    const at = attempt === 0 ? this.renewAt(held).getTime() : Date.now() + retryDelay(attempt, notAfter);
    const delay = Math.max(0, at - Date.now());
    this.timer = setTimeout(() => (delay > MAX_TIMER_MS ? this.scheduleRenewal(attempt) : void this.renewNow(attempt)), Math.min(delay, MAX_TIMER_MS));
  }

  private async renewNow(attempt: number): Promise<void> {
    if (this.stopped) return;
    try {
      await this.renew();
      this.restartWatch();
      this.scheduleRenewal(0);
    } catch (err) {
      if (this.stopped) return;
      const notAfter = new Date(this.identity!.leaf.validTo);
      if (err instanceof PkiError && /revoked/.test(err.message)) return this.lost(err);
      const wait = retryDelay(attempt + 1, notAfter);
      this.options.logger[isRefusal(err) ? 'error' : 'warn'](
        { event: 'renew_failed', attempt: attempt + 1, problem: describe(err), retryInMs: wait, notAfter: notAfter.toISOString() },
        `renewal failed (attempt ${attempt + 1}), retrying in ${wait} ms: ${describe(err)}`,
      );
      this.scheduleRenewal(attempt + 1);
    }
  }

  /** The identity cannot come back without a new token: say so once, and end the daemon (exit 1). */
  private lost(err: PkiError): void {
    this.options.logger.error({ event: 'identity_lost', problem: err.message, fix: err.fix }, err.message);
    this.fail?.(err);
  }

  private async adopt(material: TrustMaterial): Promise<string[]> {
    const { files, logger } = this.options;
    const changed = await files.checkTrust(material, this.identity?.chain ?? []);
    const written = files.writeTrust(material, changed);
    if (written.length > 0) this.wrote = true;
    if (changed.caChanged) this.trustPem = material.caBundlePem;
    if (written.length > 0) logger.info({ event: 'trust_updated', files: written }, `updated ${written.join(', ')}`);
    return written;
  }

  private startWatch(attempt = 0): void {
    if (this.stopped) return;
    const { backend, logger, exec } = this.options;
    let delivered = false;
    this.watch = backend.watchTrustMaterial(
      { trustPem: this.trustPem!, current: this.identity! },
      (material) => {
        delivered = true;
        // One at a time, in order: a later bundle must not be overtaken by an earlier one's write.
        this.material = this.material.then(async () => {
          try {
            const written = await this.adopt(material);
            if (written.length > 0) await exec.run('trust-updated', written);
            const revoked = this.identity && this.options.files.revocationOf(this.identity);
            if (revoked) this.lost(new PkiError(`this host's certificate (serial ${serialHex(this.identity!.leaf)}) was revoked at ${revoked.revokedAt.toISOString()} (${revoked.reason}); it cannot renew itself`, { file: this.options.files.certFile, fix: `on the CA host: certrpc ca token ${this.options.files.name} --force ...; then run the agent again with --token` }));
          } catch (err) {
            logger.error({ event: 'trust_refused', problem: describe(err) }, `trust material from the CA refused; the files in force stay: ${describe(err)}`);
          }
        });
      },
      (err) => {
        if (this.stopped) return;
        const next = delivered ? 1 : attempt + 1;
        const wait = Math.min(MAX_WATCH_BACKOFF_MS, retryDelay(next, undefined));
        logger.warn({ event: 'watch_ended', problem: err ? describe(err) : 'the CA ended the stream', retryInMs: wait }, `trust bundle watch ended; reconnecting in ${wait} ms`);
        this.timerWatch = setTimeout(() => this.startWatch(next), wait);
      },
    );
  }

  /** A renewed identity watches with its new certificate. */
  private restartWatch(): void {
    clearTimeout(this.timerWatch);
    const old = this.watch;
    this.watch = undefined;
    old?.cancel();
    this.startWatch();
  }
}

function describe(err: unknown): string {
  if (err instanceof PkiError) return err.message;
  const e = err as { code?: number; details?: string; message?: string };
  if (typeof e?.code === 'number' && typeof e.details === 'string') return `${Status[e.code] ?? e.code}: ${e.details}`;
  return e?.message ?? String(err);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}

// `certrpc agent`: keeps one host identity fresh. It enrolls once (a one-time token, a key made here),
// then renews at 2/3 of each certificate's life (jitter, backoff, never past expiry while the CA
// answers), and keeps DIR/ca.crt and DIR/crl.pem as the CA publishes them (a watch stream: a
// revocation reaches the host within a second or two). The CA is first reached by the root's pinned
// fingerprint, afterwards by DIR/ca.crt. Every change is checked, written atomically, then --exec runs.
// A CA without CRLs (step-ca) says a certificate is revoked only by refusing its renewal: the agent
// stops and says so; given a token at start, it asks for a renewal at once and, refused, enrolls again.
import type { Logger } from '../log/logger';
import { PkiError } from '../pki/errors';
import { createKeyAndCsr, KeyAndCsr } from '../pki/make-csr';
import { parseCertificateBundle } from '../pki/pem';
import { serialHex } from '../pki/verify';
import { AgentFiles, HeldIdentity } from './agent-files';
import { describe, isIdentityLost, isTransient, revokedError, untilAnswered } from './agent-failures';
import { CaBackend, TrustMaterial } from './ca-backend';
import { enrollmentRequest, reEnroll, tokenNames } from './enrollment-request';
import { ExecHook } from './exec-hook';
import { RenewalLoop } from './renewal-loop';
import { lifeStart, renewalTime } from './renewal-schedule';
import { TrustWatch } from './trust-watch';

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

export class Agent {
  private trustPem?: string;
  private identity?: HeldIdentity;
  private pending?: KeyAndCsr;
  private readonly watch: TrustWatch;
  private readonly loop: RenewalLoop;
  private fail?: (err: Error) => void;

  /** Whether this run sent the token (it may be spent even when the enrollment then failed). */
  private tokenUsed = false;

  /** Whether this run wrote anything to DIR (a failure message says "nothing was changed" only when true). */
  wrote = false;

  constructor(private readonly options: AgentOptions) {
    this.watch = new TrustWatch({
      backend: options.backend,
      logger: options.logger,
      current: () => ({ trustPem: this.trustPem!, identity: this.identity! }),
      deliver: (material) => this.deliver(material),
    });
    this.loop = new RenewalLoop({
      logger: options.logger,
      certFile: options.files.certFile,
      current: () => this.identity!.leaf,
      dueAt: () => this.renewAt(this.identity!),
      renew: async () => {
        await this.renew();
        this.watch.restart(); // the watch authenticates with the new certificate
      },
      lost: (err) => this.lost(err),
    });
  }

  /**
   * --once: the CA's trust material first (in memory: it tells whether this certificate was revoked),
   * then enroll, or renew if due, then write ca.crt and crl.pem. Returns what was done.
   */
  async once(): Promise<OnceOutcome> {
    this.preflight();
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
      if (this.tokenChecksIdentity() || Date.now() >= this.renewAt(held).getTime()) {
        ({ action, notice } = await this.renewOrEnrollAgain(written, material.crlPem));
      }
    }
    const trust = await this.adopt(material);
    await this.options.exec.run('trust-updated', trust);
    written.push(...trust);
    const id = this.identity!;
    return {
      action,
      serial: serialHex(id.leaf),
      notAfter: new Date(id.leaf.validTo),
      renewAt: this.renewAt(id),
      written: [...new Set(written)],
      ...(notice ? { notice } : {}),
    };
  }

  /** The daemon: runs until `signal` aborts (resolves) or the identity is lost for good (rejects). */
  async run(signal: AbortSignal): Promise<void> {
    const failed = new Promise<never>((_, reject) => (this.fail = reject));
    failed.catch(() => undefined);
    try {
      await this.start(signal);
      if (signal.aborted) return;
      await Promise.race([new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true })), failed]);
    } finally {
      this.stop();
    }
  }

  /** Trust, then the identity (enrolled, or held and checked), then the watch and the renewal timer. */
  private async start(signal: AbortSignal): Promise<void> {
    this.preflight();
    const { logger } = this.options;
    await untilAnswered(() => this.ensureTrust(), signal, logger, { event: 'ca_unreachable', doing: 'the CA could not be reached' });
    if (signal.aborted) return;
    // The CA's current CRL when it answers (a revoked identity is not renewed); the one on disk otherwise.
    const material = await this.options.backend.trustMaterial({ trustPem: this.trustPem! }).catch(() => undefined);
    const held = this.usableIdentity(material?.crlPem);
    if (!held) {
      await untilAnswered(() => this.enroll([]), signal, logger, { event: 'enroll_failed', doing: 'enrollment failed' });
      if (signal.aborted) return;
    } else {
      this.identity = held;
      logger.info(
        { event: 'started', serial: serialHex(held.leaf), notAfter: held.leaf.validTo, renewAt: this.renewAt(held).toISOString() },
        `holding ${this.options.files.certFile}; renewal due ${this.renewAt(held).toISOString()}`,
      );
      if (this.tokenChecksIdentity()) await this.checkWithToken(material?.crlPem);
      if (signal.aborted) return;
    }
    this.watch.start();
    this.loop.schedule();
  }

  private stop(): void {
    this.loop.stop();
    this.watch.stop();
    this.options.backend.close();
  }

  /** What can be refused before the CA is asked anything: a CRL file this CA would never update, a token this identity cannot use. */
  private preflight(): void {
    if (this.options.backend.publishesCrl === false) this.options.files.refuseForeignCrl();
    if (this.options.token) tokenNames(this.options.backend, this.options.files.name, this.options.token);
  }

  /**
   * A CA without CRLs cannot say whether the certificate on disk was revoked, but a token given now
   * is meant for enrolling again: so with a token at hand, the agent asks for a renewal at once.
   */
  private tokenChecksIdentity(): boolean {
    return Boolean(this.options.token) && this.options.backend.publishesCrl === false && !this.tokenUsed;
  }

  /** Renews; when the CA will never renew this certificate and a token is at hand for that, enrolls again with it. */
  private async renewOrEnrollAgain(written: string[], crlPem?: string): Promise<{ action: 'renewed' | 'enrolled'; notice?: string }> {
    const checking = this.tokenChecksIdentity();
    try {
      const renewed = await this.renew(crlPem);
      written.push(...renewed.written);
      const unused = checking ? 'the token was not used: the CA still renews this certificate' : undefined;
      return { action: 'renewed', notice: [renewed.notice, unused].filter(Boolean).join('; ') || undefined };
    } catch (err) {
      if (!checking || !isIdentityLost(err)) throw err;
      this.options.logger.warn(
        { event: 're_enroll', serial: serialHex(this.identity!.leaf), problem: describe(err) },
        `${describe(err)}: enrolling again with the token`,
      );
      return { action: 'enrolled', ...(await this.enroll(written)) };
    }
  }

  /** The daemon's start with a token and a CA without CRLs: renew now, or enroll again if the CA will not; a CA that does not answer is tried again on schedule. */
  private async checkWithToken(crlPem?: string): Promise<void> {
    try {
      const { action, notice } = await this.renewOrEnrollAgain([], crlPem);
      if (action === 'renewed') this.options.logger.info({ event: 'token_not_used', notice }, notice ?? 'renewed');
    } catch (err) {
      if (!isTransient(err)) throw err;
      this.options.logger.warn(
        { event: 'renew_failed', problem: describe(err) },
        `could not ask the CA whether ${this.options.files.certFile} still renews: ${describe(err)}; renewing on schedule`,
      );
    }
  }

  /** DIR/ca.crt when present; otherwise the root the pin names, from the CA (kept in memory until the first write). */
  private async ensureTrust(): Promise<void> {
    const { files, fingerprint, logger } = this.options;
    const onDisk = files.readTrust();
    if (onDisk) {
      this.trustPem = onDisk;
      if (!parseCertificateBundle(onDisk).some((c) => c.fingerprint256 === fingerprint)) {
        logger.warn(
          { event: 'pin_not_in_bundle', file: files.caFile },
          `${files.caFile} does not hold the pinned root: the CA is verified with ${files.caFile}, as after a root rotation`,
        );
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
    const why = revoked
      ? `was revoked at ${revoked.revokedAt.toISOString()} (${revoked.reason}), according to ${crlPem ? "the CA's CRL" : files.crlFile}`
      : `expired at ${new Date(held.leaf.validTo).toISOString()}`;
    if (token) {
      this.options.logger.warn(
        { event: 're_enroll', serial: serialHex(held.leaf) },
        `${files.certFile} ${why}: enrolling again with the token`,
      );
      return undefined;
    }
    throw new PkiError(`this host's certificate (serial ${serialHex(held.leaf)}) ${why}; it cannot renew itself, nothing was changed`, {
      file: files.certFile,
      ...reEnroll(this.options.backend, this.options.files.name),
    });
  }

  private async enroll(written: string[]): Promise<{ notice?: string }> {
    const { files, backend, logger, exec } = this.options;
    const request = await enrollmentRequest(backend, files, this.options.token);
    this.tokenUsed = true;
    const issued = await backend.enroll({ token: request.token, csrPem: request.csrPem, trustPem: this.trustPem! });
    const held = files.checkIssued(issued.certPem, request.keyPem, this.trustPem!);
    // The token is spent: the identity is written now, whatever happens to the trust material next.
    files.writeIdentity(held);
    this.wrote = true;
    this.identity = held;
    written.push(files.keyFile, files.certFile);
    logger.info(
      {
        event: 'enrolled',
        serial: serialHex(held.leaf),
        notAfter: held.leaf.validTo,
        renewAt: this.renewAt(held).toISOString(),
        notice: issued.notice,
      },
      `enrolled ${files.name}: serial ${serialHex(held.leaf)}, expires ${held.leaf.validTo}`,
    );
    if (!files.readTrust()) {
      // At least the pinned root, which verified the CA: the identity must be usable on this host.
      written.push(...files.writeTrust({ caBundlePem: this.trustPem!, crlPem: '' }, { caChanged: true, crlChanged: false }));
    }
    await exec.run('enrolled', [...written]);
    return { notice: issued.notice };
  }

  /**
   * One renewal: the CA's certificate (for a new key, or the same one when the CA renews so), checked,
   * written, --exec. Retries reuse the new key (the CA repeats a lost answer).
   */
  private async renew(crlPem?: string): Promise<{ notice?: string; written: string[] }> {
    const { files, backend, logger, exec } = this.options;
    const current = this.identity!;
    const revoked = files.revocationOf(current, crlPem);
    if (revoked)
      throw revokedError(current.leaf, revoked, {
        certFile: files.certFile,
        source: crlPem ? "the CA's CRL" : files.crlFile,
        ...reEnroll(this.options.backend, this.options.files.name),
      });
    const sameKey = backend.renewsSameKey === true;
    if (!sameKey) this.pending ??= await createKeyAndCsr(files.name);
    const issued = await backend.renew({ current, csrPem: this.pending?.csrPem, trustPem: this.trustPem! });
    const held = files.checkIssued(issued.certPem, sameKey ? current.keyPem : this.pending!.keyPem, this.trustPem!);
    const written = files.writeIdentity(held, { keyChanged: !sameKey });
    this.wrote = true;
    this.pending = undefined;
    this.identity = held;
    logger.info(
      {
        event: 'renewed',
        serial: serialHex(held.leaf),
        previous: serialHex(current.leaf),
        notAfter: held.leaf.validTo,
        renewAt: this.renewAt(held).toISOString(),
        notice: issued.notice,
      },
      `renewed ${files.name}: serial ${serialHex(current.leaf)} -> ${serialHex(held.leaf)}, expires ${held.leaf.validTo}`,
    );
    await exec.run('renewed', written);
    return { notice: issued.notice, written };
  }

  private renewAt(held: HeldIdentity): Date {
    return renewalTime(lifeStart(new Date(held.leaf.validFrom), held.receivedAt), new Date(held.leaf.validTo), this.options.random);
  }

  /** The identity cannot come back without a new token: say so once, and end the daemon (exit 1). The files stay as they are. */
  private lost(err: PkiError): void {
    const { files, logger } = this.options;
    logger.error(
      { event: 'identity_lost', problem: err.message, fix: err.fix },
      `${err.message}; the agent stops, ${files.certFile} and ${files.keyFile} stay as they are`,
    );
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

  /** One delivery of the watch: checked, written, --exec; a revocation it brings ends the daemon. */
  private async deliver(material: TrustMaterial): Promise<void> {
    const { files, exec } = this.options;
    const written = await this.adopt(material);
    if (written.length > 0) await exec.run('trust-updated', written);
    const revoked = this.identity && files.revocationOf(this.identity);
    if (revoked)
      this.lost(
        revokedError(this.identity!.leaf, revoked, {
          certFile: files.certFile,
          source: "the CA's CRL",
          ...reEnroll(this.options.backend, this.options.files.name),
        }),
      );
  }
}

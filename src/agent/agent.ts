// `certrpc agent`: keeps one host identity fresh. It enrolls once (a one-time token, a key made here),
// then renews at 2/3 of each certificate's life (jitter, backoff, never past expiry while the CA
// answers), and keeps DIR/ca.crt and DIR/crl.pem as the CA publishes them (a watch stream: a
// revocation reaches the host within a second or two). The CA is first reached by the root's pinned
// fingerprint, afterwards by DIR/ca.crt. Every change is checked, written atomically, then --exec runs.
// A CA without CRLs (step-ca) says a certificate is revoked only by refusing its renewal: the agent
// stops and says so; given a token at start, it asks for a renewal at once and, refused, enrolls again.
import { PkiError } from '../pki/errors';
import { serialHex } from '../pki/verify';
import { describe, isTransient, revokedError, untilAnswered } from './agent-failures';
import { TrustMaterial } from './ca-backend';
import { reEnroll } from './enrollment-request';
import { AgentOptions, IdentitySteps } from './identity-steps';
import { RenewalLoop } from './renewal-loop';
import { TrustWatch } from './trust-watch';

export type { AgentOptions } from './identity-steps';

export interface OnceOutcome {
  action: 'enrolled' | 'renewed' | 'none';
  serial: string;
  notAfter: Date;
  renewAt: Date;
  written: string[];
  notice?: string;
}

export class Agent {
  private readonly steps: IdentitySteps;
  private readonly watch: TrustWatch;
  private readonly loop: RenewalLoop;
  private fail?: (err: Error) => void;

  /** Whether this run wrote anything to DIR (a failure message says "nothing was changed" only when true). */
  get wrote(): boolean {
    return this.steps.wrote;
  }

  constructor(private readonly options: AgentOptions) {
    this.steps = new IdentitySteps(options);
    this.watch = new TrustWatch({
      backend: options.backend,
      logger: options.logger,
      current: () => ({ trustPem: this.steps.trustPem!, identity: this.steps.identity! }),
      deliver: (material) => this.deliver(material),
    });
    this.loop = new RenewalLoop({
      logger: options.logger,
      certFile: options.files.certFile,
      current: () => this.steps.identity!.leaf,
      dueAt: () => this.steps.renewAt(this.steps.identity!),
      renew: async () => {
        await this.steps.renew();
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
    this.steps.preflight();
    await this.steps.ensureTrust();
    // Asked without a client certificate: a revoked host still learns that it is.
    const material = await this.options.backend.trustMaterial({ trustPem: this.steps.trustPem! });
    let action: OnceOutcome['action'] = 'none';
    let notice: string | undefined;
    const written: string[] = [];
    const held = this.steps.usableIdentity(material.crlPem);
    if (!held) {
      ({ notice } = await this.steps.enroll(written));
      action = 'enrolled';
    } else {
      this.steps.identity = held;
      if (this.steps.tokenChecksIdentity() || Date.now() >= this.steps.renewAt(held).getTime()) {
        ({ action, notice } = await this.steps.renewOrEnrollAgain(written, material.crlPem));
      }
    }
    const trust = await this.steps.adopt(material);
    await this.options.exec.run('trust-updated', trust);
    written.push(...trust);
    const id = this.steps.identity!;
    return {
      action,
      serial: serialHex(id.leaf),
      notAfter: new Date(id.leaf.validTo),
      renewAt: this.steps.renewAt(id),
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
    this.steps.preflight();
    const { logger } = this.options;
    await untilAnswered(() => this.steps.ensureTrust(), signal, logger, { event: 'ca_unreachable', doing: 'the CA could not be reached' });
    if (signal.aborted) return;
    // The CA's current CRL when it answers (a revoked identity is not renewed); the one on disk otherwise.
    const material = await this.options.backend.trustMaterial({ trustPem: this.steps.trustPem! }).catch(() => undefined);
    const held = this.steps.usableIdentity(material?.crlPem);
    if (!held) {
      await untilAnswered(() => this.steps.enroll([]), signal, logger, { event: 'enroll_failed', doing: 'enrollment failed' });
      if (signal.aborted) return;
    } else {
      this.steps.identity = held;
      logger.info(
        { event: 'started', serial: serialHex(held.leaf), notAfter: held.leaf.validTo, renewAt: this.steps.renewAt(held).toISOString() },
        `holding ${this.options.files.certFile}; renewal due ${this.steps.renewAt(held).toISOString()}`,
      );
      if (this.steps.tokenChecksIdentity()) await this.checkWithToken(material?.crlPem);
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

  /** The daemon's start with a token and a CA without CRLs: renew now, or enroll again if the CA will not; a CA that does not answer is tried again on schedule. */
  private async checkWithToken(crlPem?: string): Promise<void> {
    try {
      const { action, notice } = await this.steps.renewOrEnrollAgain([], crlPem);
      if (action === 'renewed') this.options.logger.info({ event: 'token_not_used', notice }, notice ?? 'renewed');
    } catch (err) {
      if (!isTransient(err)) throw err;
      this.options.logger.warn(
        { event: 'renew_failed', problem: describe(err) },
        `could not ask the CA whether ${this.options.files.certFile} still renews: ${describe(err)}; renewing on schedule`,
      );
    }
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

  /** One delivery of the watch: checked, written, --exec; a revocation it brings ends the daemon. */
  private async deliver(material: TrustMaterial): Promise<void> {
    const { files, exec } = this.options;
    const written = await this.steps.adopt(material);
    if (written.length > 0) await exec.run('trust-updated', written);
    const revoked = this.steps.identity && files.revocationOf(this.steps.identity);
    if (revoked)
      this.lost(
        revokedError(this.steps.identity!.leaf, revoked, {
          certFile: files.certFile,
          source: "the CA's CRL",
          ...reEnroll(this.options.backend, this.options.files.name),
        }),
      );
  }
}

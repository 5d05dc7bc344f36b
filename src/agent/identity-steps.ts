// What the agent holds (the trusted roots, its identity) and each step that changes it, checked
// and written: first contact by the pinned root, enrollment with a token, renewal, the CA's trust
// material adopted. When the steps run (--once, the daemon) is agent.ts's concern.
import type { Logger } from '../log/logger';
import { PkiError } from '../pki/errors';
import { createKeyAndCsr, KeyAndCsr } from '../pki/make-csr';
import { parseCertificateBundle } from '../pki/pem';
import { serialHex } from '../pki/verify';
import { AgentFiles, HeldIdentity } from './agent-files';
import { describe, isIdentityLost, revokedError } from './agent-failures';
import { CaBackend, TrustMaterial } from './ca-backend';
import { enrollmentRequest, reEnroll, tokenNames } from './enrollment-request';
import { ExecHook } from './exec-hook';
import { lifeStart, renewalTime } from './renewal-schedule';

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

export class IdentitySteps {
  /** The roots the CA is verified with (PEM). */
  trustPem?: string;
  identity?: HeldIdentity;
  private pending?: KeyAndCsr;

  /** Whether this run sent the token (it may be spent even when the enrollment then failed). */
  private tokenUsed = false;

  /** Whether this run wrote anything to DIR (a failure message says "nothing was changed" only when true). */
  wrote = false;

  constructor(private readonly options: AgentOptions) {}

  /** What can be refused before the CA is asked anything: a CRL file this CA would never update, a token this identity cannot use. */
  preflight(): void {
    if (this.options.backend.publishesCrl === false) this.options.files.refuseForeignCrl();
    if (this.options.token) tokenNames(this.options.backend, this.options.files.name, this.options.token);
  }

  /**
   * A CA without CRLs cannot say whether the certificate on disk was revoked, but a token given now
   * is meant for enrolling again: so with a token at hand, the agent asks for a renewal at once.
   */
  tokenChecksIdentity(): boolean {
    return Boolean(this.options.token) && this.options.backend.publishesCrl === false && !this.tokenUsed;
  }

  /** Renews; when the CA will never renew this certificate and a token is at hand for that, enrolls again with it. */
  async renewOrEnrollAgain(written: string[], crlPem?: string): Promise<{ action: 'renewed' | 'enrolled'; notice?: string }> {
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

  /** DIR/ca.crt when present; otherwise the root the pin names, from the CA (kept in memory until the first write). */
  async ensureTrust(): Promise<void> {
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
  usableIdentity(crlPem?: string): HeldIdentity | undefined {
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

  async enroll(written: string[]): Promise<{ notice?: string }> {
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
  async renew(crlPem?: string): Promise<{ notice?: string; written: string[] }> {
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

  renewAt(held: HeldIdentity): Date {
    return renewalTime(lifeStart(new Date(held.leaf.validFrom), held.receivedAt), new Date(held.leaf.validTo), this.options.random);
  }

  async adopt(material: TrustMaterial): Promise<string[]> {
    const { files, logger } = this.options;
    const changed = await files.checkTrust(material, this.identity?.chain ?? []);
    const written = files.writeTrust(material, changed);
    if (written.length > 0) this.wrote = true;
    if (changed.caChanged) this.trustPem = material.caBundlePem;
    if (written.length > 0) logger.info({ event: 'trust_updated', files: written }, `updated ${written.join(', ')}`);
    return written;
  }
}

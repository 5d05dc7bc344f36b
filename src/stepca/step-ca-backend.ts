// step-ca as a backend of certrpc's agent: the operations the agent asks of any CA (pin the root,
// enroll with a token, renew with the current identity, the trust material and its changes),
// answered with step-ca's API (client.ts). It has the shape of the agent's CaBackend without
// importing it, so this folder stands on its own.
//
// What differs from certrpc's own CA: no CRL (step-ca 0.19 publishes none; `crlPem` is empty and a
// revoked certificate is refused at renewal, reason 'renewal-refused'), no push of the trust bundle
// (the roots are polled), a renewal keeps the key (/1.0/renew, as `step ca renew` does; a CSR with
// a new key goes to /1.0/rekey), and the enrollment CSR must state the token's names (token-names.ts).
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { readCsr } from '../pki/csr';
import { fetchRoot, fetchRoots, rekey, renew, sign } from './client';
import { parseStepCaUrl } from './step-ca-input';
import { namesOfToken, TokenNames } from './token-names';

export interface StepCaBackendOptions {
  /** How often watchTrustMaterial asks for the roots (step-ca cannot push them). Default 10 minutes. */
  pollIntervalMs?: number;
  timeoutMs?: number;
  /** The lifetime to ask for at enrollment ("24h"); default: the provisioner's. */
  lifetime?: string;
}

export interface StepCaTrustMaterial {
  caBundlePem: string;
  /** Always empty: step-ca 0.19 publishes no CRL. */
  crlPem: string;
}

const DEFAULT_POLL_MS = 10 * 60_000;

export class StepCaBackend {
  readonly url: string;
  /** step-ca 0.19 has no CRL: a revocation shows only as a refused renewal. */
  readonly publishesCrl = false;
  /** The agent renews without a CSR: /1.0/renew, same key. */
  readonly renewsSameKey = true;
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  /** `url`: https://HOST:PORT of the step-ca (--step-ca). */
  constructor(
    url: string,
    private readonly options: StepCaBackendOptions = {},
  ) {
    this.url = parseStepCaUrl(url);
  }

  /** The root whose SHA-256 is `fingerprint`, checked against the pin (client.ts fetchRoot). */
  pinnedRoot(fingerprint: string): Promise<string> {
    return fetchRoot(this.url, fingerprint, this.options);
  }

  /** The CN and SANs the enrollment CSR must carry: the token's (step-ca refuses any other). */
  enrollmentNames(token: string): TokenNames {
    return namesOfToken(token);
  }

  /** Where a token for NAME comes from (for the agent's fixes). */
  tokenHint(name: string): string {
    return `from the CA operator: a new one-time token whose subject is ${name} (\`step ca token ${name} --san ...\`)`;
  }

  /** POST /1.0/sign with the one-time token. `certPem`: the certificate then its intermediates. */
  async enroll(request: { token: string; csrPem: string; trustPem: string }): Promise<{ certPem: string; notice?: string }> {
    const issued = await sign(this.url, request.trustPem, request.csrPem, request.token, this.options);
    return { certPem: issued.chainPem };
  }

  /** POST /1.0/renew over mutual TLS without a CSR or with one for the current key, /1.0/rekey when it brings a new one. */
  async renew(request: {
    current: { certPem: string; keyPem: string };
    csrPem?: string;
    trustPem: string;
  }): Promise<{ certPem: string; notice?: string }> {
    if (!request.csrPem)
      return { certPem: (await renew(this.url, request.trustPem, request.current.certPem, request.current.keyPem, this.options)).chainPem };
    const csr = await readCsr(request.csrPem);
    const requested = Buffer.from(csr.csr.publicKey.rawData);
    const held = createPublicKey(createPrivateKey(request.current.keyPem)).export({ format: 'der', type: 'spki' });
    const issued = requested.equals(held)
      ? await renew(this.url, request.trustPem, request.current.certPem, request.current.keyPem, this.options)
      : await rekey(this.url, request.trustPem, request.current.certPem, request.current.keyPem, request.csrPem, this.options);
    return { certPem: issued.chainPem };
  }

  /** The CA's roots (GET /roots, verified by the trust held) and no CRL. */
  async trustMaterial(request: { trustPem: string }): Promise<StepCaTrustMaterial> {
    return { caBundlePem: await fetchRoots(this.url, request.trustPem, this.options), crlPem: '' };
  }

  /** The roots now, then again whenever a poll finds them changed; ends (onEnd(err)) at the first failed poll. */
  watchTrustMaterial(
    request: { trustPem: string },
    onMaterial: (m: StepCaTrustMaterial) => void,
    onEnd: (err?: Error) => void,
  ): { cancel(): void } {
    let last: string | undefined;
    let cancelled = false;
    let timer: NodeJS.Timeout | undefined;
    const poll = async () => {
      if (timer) this.timers.delete(timer);
      try {
        const material = await this.trustMaterial(request);
        if (cancelled || this.closed) return;
        if (material.caBundlePem !== last) {
          last = material.caBundlePem;
          onMaterial(material);
        }
        timer = setTimeout(() => void poll(), this.options.pollIntervalMs ?? DEFAULT_POLL_MS);
        this.timers.add(timer);
      } catch (err) {
        if (!cancelled && !this.closed) onEnd(err as Error);
      }
    };
    void poll();
    return {
      cancel: () => {
        cancelled = true;
        if (timer) {
          clearTimeout(timer);
          this.timers.delete(timer);
        }
      },
    };
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

// Every failure talking to step-ca, as one error class: the CLI prints message + fix (PkiError),
// and the agent acts on `transient` (an unreachable CA: try again later) and `identityLost` (a
// refused renewal: stop and say so), the duck-typed contract of agent/ca-backend.ts. `status` is
// step-ca's HTTP status when it answered.
import { PkiError, PkiErrorContext } from '../pki/errors';

export type StepCaFailure =
  /** A --step-ca / --ca-fingerprint / --token value that cannot be used as given. */
  | 'bad-input'
  /** No TCP connection, no TLS, no answer in time. Worth retrying. */
  | 'unreachable'
  /** The CA's TLS certificate does not chain to the pinned root, or its root is not the pinned one. */
  | 'untrusted-ca'
  /** The one-time token is past its exp (or before its nbf). */
  | 'token-expired'
  /** step-ca refused the token: used already, another CA's, another audience, or a bad signature. */
  | 'token-refused'
  /** step-ca refused the names (or key) of the request: 403. */
  | 'request-refused'
  /** The certificate to renew has expired: only a new enrollment (a new token) helps. */
  | 'certificate-expired'
  /** step-ca refused to renew a valid certificate: revoked (0.19 has no CRL, this is how it says so) or renewal disabled. */
  | 'renewal-refused'
  /** step-ca answered something that is not what it promised (no chain, another key, other names). */
  | 'bad-response'
  /** Any other refusal (4xx/5xx). */
  | 'refused';

export class StepCaError extends PkiError {
  readonly status?: number;

  constructor(
    readonly reason: StepCaFailure,
    message: string,
    context: PkiErrorContext & { status?: number } = {},
  ) {
    super(message, context);
    this.name = 'StepCaError';
    this.status = context.status;
  }

  /** Worth trying again unchanged, later: the CA could not be reached, or said it is busy or broken (429, 5xx). */
  get transient(): boolean {
    return (
      this.reason === 'unreachable' ||
      (this.reason === 'refused' && this.status !== undefined && (this.status === 429 || this.status >= 500))
    );
  }

  /** This certificate will never be renewed again (revoked, expired): only a new enrollment brings the host back. */
  get identityLost(): boolean {
    return this.reason === 'renewal-refused' || this.reason === 'certificate-expired';
  }
}

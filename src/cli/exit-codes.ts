/**
 * certrpc's exit codes are a contract (scripts branch on them), the same as grpcurl's:
 *   0 success, 1 runtime error, 2 usage error, 64 + N when a call ends with gRPC status N.
 */
export const EXIT = {
  OK: 0,
  ERROR: 1,
  USAGE: 2,
  /** Add the gRPC status code: PERMISSION_DENIED (7) exits 71. */
  GRPC_STATUS_BASE: 64,
} as const;

export const EXIT_CODES_HELP = `Exit codes:
  0        success
  1        error (bad file, refused connection, failed check): the message says which and how to fix it
  2        usage error (unknown flag, missing argument, bad flag value)`;

/** list, describe and call: grpcurl's codes, and what certrpc says with each. */
export const CALL_EXIT_CODES_HELP = `Exit codes:
  0        success
  1        error: a connection that failed (the diagnosis certrpc doctor gives, then the doctor line to run),
           an unknown service, method or type ("did you mean ...?"), a bad file
  2        usage error (unknown flag, missing argument, bad flag value; --plaintext and --insecure, with why)
  64+N     the call ended with gRPC status N (e.g. 71 = 64+7 PERMISSION_DENIED, 72 = 64+8 RESOURCE_EXHAUSTED
           for a message over --max-msg-sz, 78 = 64+14 UNAVAILABLE); --format-error prints it as JSON`;

/** A usage error: bad flag value or combination. Exits 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly fix?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Leave with this code after the command printed what it had to say. */
export class ExitWith extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

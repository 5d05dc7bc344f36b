// What the CA service signs, and for whom. The requester never names its certificate:
//   Enroll: the names bound to the token (a CSR asking for others is refused, not trimmed);
//   Renew:  the names of the caller's own current certificate (as the TLS layer verified it);
//   Issue:  the names an administrator states.
// The CSR only proves possession of the key it carries (pki/csr.ts: signature, key strength).
// Every lifetime is capped by the CA's maximum. Issuances of one NAME never run at the same time.
import { status as Status } from '@grpc/grpc-js';
import { createPublicKey, X509Certificate } from 'node:crypto';
import type { PeerIdentity } from '../gate/peer-identity';
import { SigningCa } from '../pki/ca';
import { CheckedCsr, readCsr } from '../pki/csr';
import { PkiError } from '../pki/errors';
import { signCsr, withChain } from '../pki/issue';
import { PROFILE_EKU, Profile } from '../pki/profiles';
import { parseSubjectAltNameText } from '../pki/name-text';
import { formatSan, parseSan, San } from '../pki/subject-alt-names';
import { lifetimeOf, validityForLifetime } from '../pki/validity';
import { serialHex } from '../pki/verify';
import { checkName } from '../store/pki-dir';
import { formatDuration } from '../text/quantities';
import { IssuedRecords } from './issued-records';
import { CA_SERVER_NAME } from './upkeep';
import { TokenRefusal, TokenStore } from './token-store';

/** Agent-managed identities live a day unless the token says otherwise; never less than 10 s. */
export const DEFAULT_LIFETIME_MS = 24 * 3_600_000;
export const MIN_LIFETIME_MS = 10_000;
export const DEFAULT_MAX_LIFETIME_MS = 30 * 86_400_000;

/** A refused request: the gRPC status and the reason the requester reads. */
export class CaRefusal extends Error {
  constructor(
    readonly code: Status,
    message: string,
  ) {
    super(message);
    this.name = 'CaRefusal';
  }
}

export interface Issued {
  name: string;
  profile: Profile;
  /** The certificate and its chain. */
  certPem: string;
  serial: string;
  notAfter: Date;
  sans: string[];
  notice?: string;
  /** How it came about, for the audit line. */
  via: 'enroll' | 'renew' | 'issue';
  /** Renew: the serial it replaces. */
  renewedFrom?: string;
  /** Renew: the same certificate as a moment ago (a retry whose answer was lost). */
  repeated?: boolean;
}

export interface IssuanceOptions {
  maxLifetimeMs: number;
  /** The CA that signs now (the reloader's current value: a rotated intermediate is picked up). */
  signer: () => SigningCa;
  tokens: TokenStore;
  records: IssuedRecords;
  now?: () => Date;
}

export class Issuance {
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(private readonly options: IssuanceOptions) {}

  /** Bootstrap: token -> its bound names, for the CSR's key. The token is used up only if the request is good. */
  async enroll(token: string, csrPem: string): Promise<Issued> {
    const now = this.now();
    const record = this.refuseToken(() => this.options.tokens.find(token, now));
    const csr = await checkedCsr(csrPem);
    const sans = record.sans.map((s) => parseSan(s));
    const asked = namesNotBound(csr, record.name, sans);
    if (asked.length > 0) {
      throw new CaRefusal(
        Status.INVALID_ARGUMENT,
        `the CSR asks for names this token does not bind (${asked.join(', ')}); the token binds ${[`CN=${record.name}`, ...record.sans].join(', ')}. The token was not used`,
      );
    }
    const local = this.options.records.refuseLocalIdentity(record.name, CA_SERVER_NAME);
    if (local) throw new CaRefusal(Status.FAILED_PRECONDITION, `${local}; the token was not used`);
    return this.serially(record.name, async () => {
      const used = this.refuseToken(() => this.options.tokens.consume(record, now));
      try {
        const issued = await this.sign({
          name: record.name,
          profile: record.profile,
          sans,
          lifetimeMs: record.lifetimeMs,
          csr,
          via: 'enroll',
        });
        this.options.tokens.recordUse(used, issued.serial);
        return issued;
      } catch (err) {
        this.options.tokens.recordUse(used);
        throw err;
      }
    });
  }

  /**
   * The caller renews itself: its names come from its verified certificate, which must be the current
   * certificate of its NAME here (a superseded one cannot renew, unless it repeats the request that
   * superseded it, for the same new key: a retry after a lost answer).
   */
  async renew(caller: PeerIdentity, csrPem: string): Promise<Issued> {
    const csr = await checkedCsr(csrPem);
    const { records } = this.options;
    const name = records.nameOf(caller.serial, caller.commonName);
    if (!name) {
      const superseding = this.supersedingOf(caller);
      if (superseding && sameKey(superseding.cert, csr))
        return { ...this.describe(superseding.name, superseding.pem, 'renew'), renewedFrom: caller.serial, repeated: true };
      throw new CaRefusal(
        Status.FAILED_PRECONDITION,
        superseding
          ? `certificate serial ${caller.serial} was already renewed (the current one of "${superseding.name}" is serial ${serialHex(superseding.cert)}); renew with the current one, or ask for a new token`
          : `certificate serial ${caller.serial} (${caller.commonName ? `CN=${caller.commonName}` : 'no CN'}) is not the current certificate of any identity this CA serves; ask for a new token (certrpc ca token NAME)`,
      );
    }
    return this.serially(name, async () => {
      const current = records.current(name);
      if (!current || serialHex(current.cert) !== caller.serial)
        throw new CaRefusal(Status.ABORTED, `certificate serial ${caller.serial} was renewed by another request just now; retry`);
      if (sameKey(current.cert, csr))
        throw new CaRefusal(Status.INVALID_ARGUMENT, 'the CSR carries the key of the certificate it renews: a renewal needs a new key');
      const sans = callerSans(caller);
      const lifetimeMs = lifetimeOf(new Date(current.cert.validFrom), new Date(current.cert.validTo));
      const profile = identityProfile(current.cert);
      return {
        ...(await this.sign({ name, profile, sans, lifetimeMs, csr, via: 'renew', commonName: caller.commonName || name })),
        renewedFrom: caller.serial,
      };
    });
  }

  /** An administrator's request: the names it states (a CSR's own are never copied). */
  async issue(request: { name: string; profile: Profile; sans: San[]; lifetimeMs: number }, csrPem: string): Promise<Issued> {
    try {
      checkName(request.name, 'name');
    } catch (err) {
      throw new CaRefusal(Status.INVALID_ARGUMENT, (err as PkiError).describe());
    }
    const csr = await checkedCsr(csrPem);
    return this.serially(request.name, () => this.sign({ ...request, csr, via: 'issue' }));
  }

  private async sign(request: {
    name: string;
    commonName?: string;
    profile: Profile;
    sans: San[];
    lifetimeMs: number;
    csr: CheckedCsr;
    via: Issued['via'];
  }): Promise<Issued> {
    const { maxLifetimeMs } = this.options;
    const local = this.options.records.refuseLocalIdentity(request.name, CA_SERVER_NAME);
    if (local) throw new CaRefusal(Status.FAILED_PRECONDITION, `${local}; nothing was issued`);
    const lifetimeMs = Math.max(MIN_LIFETIME_MS, Math.min(request.lifetimeMs, maxLifetimeMs));
    const notice =
      request.lifetimeMs > maxLifetimeMs
        ? `lifetime capped at this CA's maximum of ${formatDuration(maxLifetimeMs)} (asked for ${formatDuration(request.lifetimeMs)})`
        : undefined;
    const signer = this.options.signer();
    let cert;
    try {
      // A server identity also authenticates to this CA as a client (Renew, WatchTrustBundle): both usages.
      cert = await signCsr(signer, request.csr, {
        profile: request.profile,
        commonName: request.commonName ?? request.name,
        sans: request.sans,
        validity: validityForLifetime(lifetimeMs, this.now()),
        serverAlsoClient: request.profile === 'server',
      });
    } catch (err) {
      if (err instanceof PkiError) throw new CaRefusal(Status.FAILED_PRECONDITION, err.message);
      throw err;
    }
    const certPem = withChain(signer, cert);
    this.options.records.record(request.name, certPem, this.now());
    return { ...this.describe(request.name, certPem, request.via), ...(notice ? { notice } : {}) };
  }

  private describe(name: string, certPem: string, via: Issued['via']): Issued {
    const cert = new X509Certificate(certPem);
    return {
      name,
      profile: identityProfile(cert),
      certPem,
      serial: serialHex(cert),
      notAfter: new Date(cert.validTo),
      sans: identitySans(cert),
      via,
    };
  }

  /** The current certificate of the NAME the caller's certificate was renewed into, if that is what happened. */
  private supersedingOf(caller: PeerIdentity): { name: string; pem: string; cert: X509Certificate } | undefined {
    const name = caller.commonName;
    try {
      checkName(name);
    } catch {
      return undefined;
    }
    if (this.options.records.previousSerial(name) !== caller.serial) return undefined;
    const current = this.options.records.current(name);
    return current && { name, ...current };
  }

  private refuseToken<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof TokenRefusal)
        throw new CaRefusal(err.kind === 'malformed' ? Status.INVALID_ARGUMENT : Status.UNAUTHENTICATED, err.message);
      throw err;
    }
  }

  /** One issuance per NAME at a time: a renewal and a re-enrollment of one name must not interleave. */
  private serially<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(name) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(name, tail);
    void tail.then(() => {
      if (this.locks.get(name) === tail) this.locks.delete(name);
    });
    return run;
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }
}

/** A certificate with serverAuth is a server identity (agent-managed ones carry clientAuth too); otherwise a client. */
function identityProfile(cert: X509Certificate): Profile {
  return (cert.keyUsage ?? []).includes(PROFILE_EKU.server) ? 'server' : 'client';
}

async function checkedCsr(csrPem: string): Promise<CheckedCsr> {
  try {
    return await readCsr(csrPem);
  } catch (err) {
    if (err instanceof PkiError) throw new CaRefusal(Status.INVALID_ARGUMENT, `${err.message}${err.fix ? ` (fix: ${err.fix})` : ''}`);
    throw err;
  }
}

/** What the CSR asks for beyond the token: a CN other than NAME, SANs the token does not list, names of other types. */
function namesNotBound(csr: CheckedCsr, name: string, bound: San[]): string[] {
  const extra = csr.commonNames.filter((cn) => cn !== name).map((cn) => `CN=${cn}`);
  for (const san of csr.requestedSans) {
    if (!bound.some((b) => b.type === san.type && b.value === san.value)) extra.push(formatSan(san));
  }
  return [...extra, ...csr.unsupportedSans];
}

function sameKey(cert: X509Certificate, csr: CheckedCsr): boolean {
  const fromCsr = createPublicKey({ key: Buffer.from(csr.csr.publicKey.rawData), format: 'der', type: 'spki' }).export({
    format: 'der',
    type: 'spki',
  });
  return cert.publicKey.export({ format: 'der', type: 'spki' }).equals(fromCsr);
}

/** Node's SAN text parsed, never split (pki/name-text.ts): a DNS name holding ", " stays one name. */
function identitySans(cert: X509Certificate): string[] {
  return parseSubjectAltNameText(cert.subjectAltName);
}

/** The names of the caller's verified certificate, as they will be signed again. */
function callerSans(caller: PeerIdentity): San[] {
  try {
    return caller.sans.map((s) => parseSan(s));
  } catch (err) {
    throw new CaRefusal(
      Status.FAILED_PRECONDITION,
      `the certificate holds a name this CA does not issue (${(err as PkiError).message}); ask for a new token`,
    );
  }
}

/** 86400000 -> "24h", 2592000000 -> "30d", 30000 -> "30s": how --lifetime takes it. */

// certrpc.v1.CertificateAuthority: the gRPC face of issuance.ts. Each handler turns the request into
// one decision of Issuance, answers, and writes one audit line (issued, or refused and why). The call
// gate has already run: the policy for Renew/Issue/WatchTrustBundle, nothing for the anonymous
// Enroll and TrustBundle (the token is Enroll's authority; TrustBundle tells nothing secret).
import { sendUnaryData, ServerUnaryCall, ServerWritableStream, status as Status } from '@grpc/grpc-js';
import type { PeerIdentity } from '../gate/peer-identity';
import { parseDuration, QuantityError } from '../text/quantities';
import {
  CertificateAuthorityServer,
  EnrollRequest,
  IssuedCertificate,
  IssueRequest,
  RenewRequest,
  TrustBundleRequest,
  TrustBundleResponse,
} from '../gen/certrpc/v1/ca';
import type { Logger } from '../log/logger';
import { PkiError } from '../pki/errors';
import { parseSanList } from '../pki/subject-alt-names';
import { callerOf } from '../gate/caller';
import { CaRefusal, DEFAULT_LIFETIME_MS, Issuance, Issued } from './issuance';
import { tokenHash } from './token-store';
import { TrustBundleFeed, TrustBundleView } from './trust-bundle-feed';

export interface CaServiceOptions {
  issuance: Issuance;
  feed: TrustBundleFeed;
  /** Audit events (authorization().auditEvent): issuances and refusals. */
  audit: (fields: Record<string, unknown>, msg: string, allowed: boolean) => void;
  logger: Logger;
}

/** Who asked, for the audit line: the certificate when there is one, the address always. */
function requester(call: ServerUnaryCall<unknown, unknown>): Record<string, unknown> {
  let identity: PeerIdentity | undefined;
  try {
    identity = callerOf(call).identity;
  } catch {
    identity = undefined; // an anonymous method: no certificate on this connection
  }
  return { peer: call.getPeer(), cn: identity?.commonName || null, serial: identity?.serial ?? null };
}

export function caService(options: CaServiceOptions): CertificateAuthorityServer {
  const { issuance, feed, audit, logger } = options;

  /** Runs one issuance and answers; a refusal is the requester's to read, anything else is logged and INTERNAL. */
  async function answer(
    call: ServerUnaryCall<unknown, unknown>,
    callback: sendUnaryData<IssuedCertificate>,
    method: string,
    extra: Record<string, unknown>,
    work: () => Promise<Issued>,
  ): Promise<void> {
    const who = { event: 'ca', method, ...requester(call), ...extra };
    try {
      const issued = await work();
      audit(
        {
          ...who,
          decision: 'issued',
          identity: issued.name,
          profile: issued.profile,
          issuedSerial: issued.serial,
          sans: issued.sans,
          notAfter: issued.notAfter.toISOString(),
          renewedFrom: issued.renewedFrom ?? null,
          repeated: issued.repeated ?? false,
          notice: issued.notice ?? null,
        },
        `certificate issued (${issued.via})`,
        true,
      );
      callback(null, {
        name: issued.name,
        certificatePem: issued.certPem,
        caBundlePem: feed.current.caBundlePem,
        serial: issued.serial,
        notAfter: issued.notAfter.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        notice: issued.notice ?? '',
      });
    } catch (err) {
      const refusal = err instanceof CaRefusal ? err : undefined;
      if (!refusal) logger.error({ err, method }, `${method} failed`);
      const code = refusal?.code ?? Status.INTERNAL;
      const details = refusal?.message ?? 'the CA could not issue the certificate (see the CA log)';
      audit({ ...who, decision: 'refused', code, reason: details }, 'certificate request refused', false);
      callback({ code, details });
    }
  }

  const view = (b: TrustBundleView): TrustBundleResponse => ({ caBundlePem: b.caBundlePem, crlPem: b.crlPem, revision: b.revision });

  return {
    enroll(call: ServerUnaryCall<EnrollRequest, IssuedCertificate>, callback) {
      // The token's hash prefix identifies it in the audit log without being usable.
      const token = /^[A-Za-z0-9_-]{43}$/.test(call.request.token) ? tokenHash(call.request.token).slice(0, 12) : null;
      void answer(call, callback, 'Enroll', { token }, () => issuance.enroll(call.request.token, call.request.csrPem));
    },
    renew(call: ServerUnaryCall<RenewRequest, IssuedCertificate>, callback) {
      void answer(call, callback, 'Renew', {}, () => issuance.renew(callerOf(call).identity, call.request.csrPem));
    },
    issue(call: ServerUnaryCall<IssueRequest, IssuedCertificate>, callback) {
      const r = call.request;
      void answer(call, callback, 'Issue', { requestedName: r.name }, async () => {
        if (r.profile !== 'client' && r.profile !== 'server')
          throw new CaRefusal(Status.INVALID_ARGUMENT, `profile must be "client" or "server", not "${r.profile}"`);
        try {
          const lifetimeMs = r.lifetime ? parseDuration(r.lifetime) : DEFAULT_LIFETIME_MS;
          return await issuance.issue({ name: r.name, profile: r.profile, sans: parseSanList(r.sans), lifetimeMs }, r.csrPem);
        } catch (err) {
          if (err instanceof QuantityError) throw new CaRefusal(Status.INVALID_ARGUMENT, `lifetime: ${err.message}`);
          if (err instanceof PkiError) throw new CaRefusal(Status.INVALID_ARGUMENT, err.message);
          throw err;
        }
      });
    },
    trustBundle(_call: ServerUnaryCall<TrustBundleRequest, TrustBundleResponse>, callback) {
      callback(null, view(feed.current));
    },
    watchTrustBundle(call: ServerWritableStream<TrustBundleRequest, TrustBundleResponse>) {
      call.write(view(feed.current));
      // A stopping CA ends the streams (OK): agents reconnect to it, or to the next one, with backoff.
      const unsubscribe = feed.subscribe(
        (b) => call.write(view(b)),
        () => call.end(),
      );
      const end = () => unsubscribe();
      call.on('cancelled', end);
      call.on('close', end);
      call.on('error', end);
    },
  };
}

// Refuses calls from a revoked certificate on connections opened before it was revoked (the TLS
// listener refuses new handshakes with it; an open connection was verified before the CRL said so).
import { status as Status } from '@grpc/grpc-js';
import { describeIdentity, PeerIdentity } from '../gate/peer-identity';
import { CallStage } from '../gate/call-context';
import { Revocation, RevocationList } from '../tls/revocation-list';

/** The status a revoked caller gets, on new calls and on the streams that are cut off. */
export function revokedDetails(identity: PeerIdentity, revocation: Revocation): string {
  const why = revocation.reason === 'unspecified' ? '' : ` (${revocation.reason})`;
  return `the client certificate ${describeIdentity(identity)} (serial ${identity.serial}) was revoked at ${revocation.revokedAt.toISOString()}${why}; ask the operator for a new certificate`;
}

export const REVOKED_CODE = Status.UNAUTHENTICATED;

/** Runs after the identity stage and before authorization: a revoked certificate has no roles. */
export function revocationStage(list: RevocationList): CallStage {
  return (ctx) => {
    const identity = ctx.caller?.identity;
    const revocation = identity && list.get(identity.serial);
    if (identity && revocation) return { code: REVOKED_CODE, details: revokedDetails(identity, revocation) };
  };
}

// The gate's first stage: the verified peer certificate becomes the call's Caller. Works with
// certrpc's own TLS listener (which pins the certificate and records its issuing CA) and with
// grpc-js's (ServerCredentials.createSsl(ca, pairs, true)), where the certificate is read from
// getAuthContext() (grpc-js >= 1.14) and the issuing CA is found by `issuingCaOf`, if given.
// The identity is resolved at a connection's first call and kept for the connection's life
// (connection-identity.ts): a TLS connection's peer cannot change once renegotiation is refused.
import { status as Status } from '@grpc/grpc-js';
import type { PeerCertificate } from 'node:tls';
import type { IdentityStage } from './call-context';
import { connectionOf, ConnectionIdentities } from './connection-identity';
import { issuingCaOf, IssuingCa } from './issuing-ca';
import { IdentityCache } from './peer-identity';

/** No roles until a policy grants some; shared and frozen, as the authorization stage's role lists are. */
const NO_ROLES: string[] = Object.freeze([]) as unknown as string[];

const NO_CERTIFICATE = {
  code: Status.UNAUTHENTICATED,
  details: 'no verified client certificate on this connection: this server requires mutual TLS',
};
const EXPIRED = { code: Status.UNAUTHENTICATED, details: 'the client certificate of this connection has expired: renew it and reconnect' };

export interface IdentityStageOptions {
  cache?: IdentityCache;
  /**
   * The CA whose key signed the peer certificate (what issuer-bound principals match). Default:
   * what certrpc's listener recorded at the handshake; unknown (undefined) otherwise, and then no
   * issuer-bound principal matches (fail closed).
   */
  issuingCaOf?: (peer: PeerCertificate) => IssuingCa | undefined;
}

/**
 * Turns the verified peer certificate into the call's Caller. A TLS listener that requires client
 * certificates already refused connections without a trusted one; this is the belt to those braces.
 */
export function identityStage(options: IdentityStageOptions = {}): IdentityStage {
  const cache = options.cache ?? new IdentityCache();
  const issuerOf = options.issuingCaOf ?? issuingCaOf;
  const connections = new ConnectionIdentities();
  return (ctx) => {
    const connection = connectionOf(ctx.call);
    let known = connection && connections.get(connection);
    if (!known) {
      const peer = ctx.call.getAuthContext()?.sslPeerCertificate;
      if (!peer) return NO_CERTIFICATE;
      // A resumed TLS session carries a certificate OpenSSL does not check again: one that expired
      // since its full handshake is refused here (certrpc's listener refuses it at the handshake;
      // grpc-js's own listener resumes it). Expired AT its notAfter, as OpenSSL decides a full
      // handshake (RFC 5280 calls notAfter inclusive; a resumed session gets no second more).
      if (!(Date.parse(peer.valid_to) > Date.now())) return EXPIRED;
      known = { identity: cache.get(peer, issuerOf(peer)), peer: ctx.call.getPeer() };
      if (connection) connections.remember(connection, known);
    }
    ctx.caller = { identity: known.identity, roles: NO_ROLES, peer: known.peer };
    return undefined;
  };
}

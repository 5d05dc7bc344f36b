// The gate's first stage: the verified peer certificate becomes the call's Caller. Works with
// certrpc's own TLS listener (which pins the certificate and records its issuing CA) and with
// grpc-js's (ServerCredentials.createSsl(ca, pairs, true)), where the certificate is read from
// getAuthContext() (grpc-js >= 1.14) and the issuing CA is found by `issuingCaOf`, if given.
import { status as Status } from '@grpc/grpc-js';
import type { PeerCertificate } from 'node:tls';
import type { IdentityStage } from './call-context';
import { issuingCaOf, IssuingCa } from './issuing-ca';
import { IdentityCache } from './peer-identity';

/** No roles until a policy grants some; shared and frozen, as the authorization stage's role lists are. */
const NO_ROLES: string[] = Object.freeze([]) as unknown as string[];

const NO_CERTIFICATE = { code: Status.UNAUTHENTICATED, details: 'no verified client certificate on this connection: this server requires mutual TLS' };

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
  return (ctx) => {
    const peer = ctx.call.getAuthContext()?.sslPeerCertificate;
    if (!peer) return NO_CERTIFICATE;
    ctx.caller = { identity: cache.get(peer, issuerOf(peer)), roles: NO_ROLES, peer: ctx.call.getPeer() };
    return undefined;
  };
}

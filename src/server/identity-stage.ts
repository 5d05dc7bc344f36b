import { status as Status } from '@grpc/grpc-js';
import { IdentityCache } from '../authz/identity';
import { attachCaller } from './caller';
import { CallStage } from './call-gate';

/** No roles until a policy grants some; shared and frozen, as the authorization stage's role lists are. */
const NO_ROLES: string[] = Object.freeze([]) as unknown as string[];

/**
 * Turns the verified peer certificate into the call's Caller. The TLS layer already refused
 * connections without a trusted certificate; this stage is the belt to that pair of braces.
 */
export function identityStage(cache = new IdentityCache(), anonymousMethods: ReadonlySet<string> = new Set()): CallStage {
  return (ctx) => {
    const peer = ctx.call.getAuthContext().sslPeerCertificate;
    if (!peer) {
      // A method the server opened to hosts without a certificate goes on with no caller.
      if (anonymousMethods.has(ctx.method)) return;
      return { code: Status.UNAUTHENTICATED, details: 'no verified client certificate on this connection: certrpc servers require mutual TLS' };
    }
    ctx.caller = { identity: cache.get(peer), roles: NO_ROLES, peer: ctx.call.getPeer() };
    attachCaller(ctx.metadata, ctx.caller);
  };
}

// Who called, as handlers read it: callerOf(call) in any grpc-js server whose interceptors include
// certrpc's (createInterceptor(), or createServer(), which is built on it).
import type { Metadata } from '@grpc/grpc-js';
import { CertrpcError } from '../errors/certrpc-error';
import type { AuthenticatedContext } from './call-context';
import { findContext } from './call-context';
import type { PeerIdentity } from './peer-identity';

export interface Caller {
  identity: PeerIdentity;
  /** Roles the authorization policy grants; empty when no policy is loaded. */
  roles: string[];
  /** The peer's address as "ip:port". */
  peer: string;
}

const NO_GATE_FIX =
  "put createInterceptor() first in the Server's interceptors (new Server({ interceptors: [createInterceptor(...)] })), or serve with createServer(); an interceptor before it must pass the request Metadata on unchanged";

/**
 * The gate's context of a call a handler serves: values stages left (ctx.values), the caller.
 * Throws when certrpc's interceptor did not admit the call.
 */
export function contextOf(call: { metadata: Metadata }): AuthenticatedContext {
  const ctx = findContext(call);
  if (!ctx?.caller) {
    throw new CertrpcError("no certrpc call context on this call: was createInterceptor() in this server's interceptors?", {
      code: 'NO_CALL_CONTEXT',
      fix: NO_GATE_FIX,
    });
  }
  return ctx as AuthenticatedContext;
}

/** The caller of a call: identity from its certificate, roles from the policy, peer address. */
export function callerOf(call: { metadata: Metadata }): Caller {
  const caller = findContext(call)?.caller;
  if (!caller) {
    throw new CertrpcError("callerOf(): no caller on this call: was createInterceptor() in this server's interceptors?", {
      code: 'NO_CALL_CONTEXT',
      fix: NO_GATE_FIX,
    });
  }
  return caller;
}

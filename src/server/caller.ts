// The typed call context handlers read: who called, as the server's interceptors established it.
import type { Metadata } from '@grpc/grpc-js';
import type { PeerIdentity } from '../authz/identity';

export interface Caller {
  identity: PeerIdentity;
  /** Roles the authorization policy grants; empty when no policy is loaded. */
  roles: string[];
  /** The peer's address as "ip:port". */
  peer: string;
}

// A symbol, not a header: a client cannot forge it, and it costs nothing to carry. The gate
// interceptor sets it on the request's Metadata object, which grpc-js hands to the handler.
const CALLER = Symbol('certrpc.caller');

type WithCaller = Metadata & { [CALLER]?: Caller };

export function attachCaller(metadata: Metadata, caller: Caller): void {
  (metadata as WithCaller)[CALLER] = caller;
}

/** The caller of a call served by a certrpc server. Throws if the server was not made by createServer. */
export function callerOf(call: { metadata: Metadata }): Caller {
  const caller = (call.metadata as WithCaller)[CALLER];
  if (!caller) throw new Error('callerOf(): no caller on this call; was the server created with certrpc createServer()?');
  return caller;
}

// grpc-js builds the HTTP/2 server behind a connection injector itself and does not expose it, so
// certrpc cannot see the HTTP/2 sessions it needs for the ping policy. This file is the one place
// that reaches into grpc-js (its private `http2Servers` map, grpc-js 1.10 to 1.14): if that ever
// changes, the hook reports it is missing and the server runs without the ping policy, it does
// not break. http2-session-hook.test.ts / the hostile-input tests prove it works.
import type { ConnectionInjector, Server, ServerCredentials } from '@grpc/grpc-js';
import type { EventEmitter } from 'node:events';
import type { ServerHttp2Session } from 'node:http2';

export interface HookedInjector {
  injector: ConnectionInjector;
  /** False when grpc-js's internals moved and sessions cannot be observed. */
  hooked: boolean;
}

/** createConnectionInjector, plus onSession for every HTTP/2 session the injector's server opens. */
export function createHookedInjector(
  server: Server,
  credentials: ServerCredentials,
  onSession: (session: ServerHttp2Session) => void,
): HookedInjector {
  const servers = (server as unknown as { http2Servers?: unknown }).http2Servers;
  const known = servers instanceof Map ? new Set<unknown>(servers.keys()) : undefined;
  const injector = server.createConnectionInjector(credentials);
  if (!known || !(servers instanceof Map)) return { injector, hooked: false };
  const created = [...servers.keys()].filter((s) => !known.has(s));
  if (created.length !== 1 || typeof (created[0] as EventEmitter).on !== 'function') return { injector, hooked: false };
  (created[0] as EventEmitter).on('session', onSession);
  return { injector, hooked: true };
}

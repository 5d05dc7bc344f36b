/** "host:port" or "[v6]:port" -> parts. Ports are required: certrpc never guesses one. */
export function parseAddress(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(address.replace(/^dns:\/{0,3}/, ''));
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) {
    throw new Error(`bad address "${address}": write HOST:PORT, e.g. 127.0.0.1:50051 or [::1]:50051, or unix:///PATH for a unix socket`);
  }
  return { host: m[1] ?? m[2], port };
}

/** Where a client dials: a TCP host and port, or a unix socket (a local file). */
export type DialTarget = { kind: 'tcp'; host: string; port: number } | { kind: 'unix'; path: string };

/**
 * A client's address: HOST:PORT (dns:///HOST:PORT), or a unix socket as gRPC names them
 * (https://github.com/grpc/grpc/blob/master/doc/naming.md): unix:PATH (relative or absolute) or
 * unix:///ABSOLUTE/PATH. Anything else is refused rather than guessed at.
 */
export function parseDialTarget(address: string): DialTarget {
  if (!address.startsWith('unix:')) return { kind: 'tcp', ...parseAddress(address) };
  const rest = address.slice('unix:'.length);
  const path = rest.startsWith('//') ? rest.slice(2) : rest;
  if (path === '' || (rest.startsWith('//') && !path.startsWith('/')) || path.includes('\0')) {
    throw new Error(`bad address "${address}": write unix:///ABSOLUTE/PATH or unix:RELATIVE/PATH for a unix socket`);
  }
  return { kind: 'unix', path };
}

/** The one spelling certrpc hands grpc-js for a target it parsed. */
export function grpcTarget(target: DialTarget): string {
  if (target.kind === 'unix') return target.path.startsWith('/') ? `unix://${target.path}` : `unix:${target.path}`;
  return `${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;
}

/** What node:net / node:tls connect() takes to reach the target. */
export function socketAddress(target: DialTarget): { host: string; port: number } | { path: string } {
  return target.kind === 'unix' ? { path: target.path } : { host: target.host, port: target.port };
}

/**
 * The name the server's certificate is checked against when no other is given: the host dialed,
 * or "localhost" for a unix socket (the authority grpc-js and grpcurl send there).
 */
export function defaultServerName(target: DialTarget): string {
  return target.kind === 'unix' ? 'localhost' : target.host;
}

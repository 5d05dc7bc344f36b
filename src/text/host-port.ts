// "[host]:port" as certrpc writes an endpoint everywhere (logs, listening lines, tunnel targets,
// proxy CONNECT lines): an IPv6 address in brackets, so its colons cannot be read as the port's.

/** "1.2.3.4:5", "name:5" or "[::1]:5". */
export function formatHostPort(host: string, port: number | string): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

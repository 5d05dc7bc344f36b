/** "host:port" or "[v6]:port" -> parts. Ports are required: certrpc never guesses one. */
export function parseAddress(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(address.replace(/^dns:\/{0,3}/, ''));
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) {
    throw new Error(`bad address "${address}": write HOST:PORT, e.g. 127.0.0.1:50051 or [::1]:50051`);
  }
  return { host: m[1] ?? m[2], port };
}

// `--metrics` values: "9464" or ":9464" (loopback), "HOST:PORT", "[v6]:PORT". Loopback unless a
// host is written out: exposing metrics to the network must be a deliberate choice.
import { parseAddress } from '../tls/address';

export const DEFAULT_METRICS_HOST = '127.0.0.1';

export function parseMetricsAddress(value: string): { host: string; port: number } {
  const text = value.trim();
  if (/^:?\d{1,5}$/.test(text)) {
    const port = Number(text.replace(/^:/, ''));
    if (port <= 65535) return { host: DEFAULT_METRICS_HOST, port };
  }
  return parseAddress(text);
}

// The proxy's HTTP answers. A refused CONNECT gets a status, the reason in words in the body, and
// the same in a Proxy-Status header (RFC 9209), which certrpc clients read to explain the refusal.
// (Node's HTTP server gives a raw socket for CONNECT, no response object, so these are written as text.)
import { STATUS_CODES } from 'node:http';
import type { RefusedHandshake } from '../tls/refusal-reasons';

/** RFC 9209 error types used here. */
export type ProxyErrorType =
  | 'http_request_denied'
  | 'http_request_error'
  | 'dns_error'
  | 'destination_not_found'
  | 'destination_ip_unroutable'
  | 'connection_refused'
  | 'connection_timeout'
  | 'proxy_internal_error';

export const PROXY_NAME = 'certrpc';

/** An RFC 8941 sf-string: printable ASCII, with \ and " escaped. */
function sfString(text: string): string {
  return `"${text.replace(/[^\x20-\x7e]/g, '?').replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

export function proxyStatusHeader(error: ProxyErrorType, details: string): string {
  return `${PROXY_NAME}; error=${error}; details=${sfString(details)}`;
}

/** A complete HTTP/1.1 answer that ends the connection. */
export function refusalResponse(status: number, error: ProxyErrorType, details: string, extraHeaders: Record<string, string> = {}): string {
  const body = `${details}\n`;
  const headers: Record<string, string> = {
    'Proxy-Status': proxyStatusHeader(error, details),
    ...extraHeaders,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    Connection: 'close',
  };
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n')}\r\n\r\n${body}`;
}

export const TUNNEL_ESTABLISHED = 'HTTP/1.1 200 Connection Established\r\nProxy-Agent: certrpc\r\n\r\n';

/**
 * What a client whose certificate the proxy refused reads before the connection closes: 407 when it
 * sent none (its credential is missing), 403 when the one it sent is not trusted. The words are what
 * a TLS alert would say anyway (unknown CA, expired, revoked); nothing about the proxy's setup.
 */
export function handshakeRefusalAnswer(refusal: RefusedHandshake): string {
  if (refusal.code === 'NO_CERTIFICATE') {
    return refusalResponse(407, 'http_request_denied', 'this proxy requires a client certificate (mutual TLS) and you sent none');
  }
  return refusalResponse(
    403,
    'http_request_denied',
    `this proxy refused your client certificate: ${refusal.reason.replace(/^the client certificate /, 'it ').replace('this server', 'this proxy')} [${refusal.code}]`,
  );
}

/** Reads the details of a Proxy-Status header back (what certrpc clients show). */
export function proxyStatusDetails(header: string | undefined): string | undefined {
  const m = header ? /details="((?:[^"\\]|\\.)*)"/.exec(header) : null;
  return m ? m[1].replace(/\\(.)/g, '$1') : undefined;
}

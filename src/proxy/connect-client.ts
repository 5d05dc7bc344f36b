// The client half of the mTLS CONNECT proxy: mutual TLS to the proxy (with the client's own
// identity), `CONNECT host:port`, and on "200" the TLS socket to the proxy is a raw tunnel to the
// target. Node's HTTP client writes the request and parses the answer; a refusal becomes a
// TlsFailure with the proxy's own words (its Proxy-Status header, RFC 9209).
import { request as httpRequest } from 'node:http';
import { connect as tcpConnect, isIP, Socket } from 'node:net';
import { connect as tlsConnect, TLSSocket } from 'node:tls';
import { parseAddress } from '../tls/address';
import { formatHostPort } from '../text/host-port';
import type { ClientTlsMaterial } from '../tls/client-credentials';
import { ConnectionError } from '../tls/connection-error';
import { alertName, networkFailure, serverCertificateRefused, TlsFailure } from '../tls/failure-reasons';
import { proxyStatusDetails } from './proxy-answers';

export interface ProxyEndpoint {
  host: string;
  port: number;
  /** As given: "https://HOST:PORT". */
  url: string;
}

/** "https://HOST:PORT" -> parts. certrpc proxies speak TLS, so http:// is refused, not downgraded. */
export function parseProxyUrl(url: string): ProxyEndpoint {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`bad proxy URL "${url}": write https://HOST:PORT, e.g. https://10.0.0.2:3129`);
  }
  if (parsed.protocol !== 'https:') throw new Error(`bad proxy URL "${url}": certrpc proxies speak mutual TLS, write https://HOST:PORT`);
  if (parsed.username || parsed.password || (parsed.pathname !== '/' && parsed.pathname !== '') || parsed.search) {
    throw new Error(`bad proxy URL "${url}": only https://HOST:PORT (no user, path or query; the client certificate is the credential)`);
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  return { host, port: parsed.port ? Number(parsed.port) : 443, url };
}

export interface TunnelRequest {
  proxy: ProxyEndpoint;
  /** Our certificate and key (presented to the proxy) and the CAs the proxy's certificate must chain to. */
  tls: ClientTlsMaterial;
  /** "host:port" of the real server. */
  target: string;
  /** A TCP connection to the proxy already made (grpc-js makes one); otherwise one is opened. */
  socket?: Socket;
  timeoutMs?: number;
}

/** Opens a tunnel; resolves with the socket to speak TLS to the target through. */
export function openTunnel(req: TunnelRequest): Promise<TLSSocket> {
  const { proxy, target } = req;
  const proxyAddress = formatHostPort(proxy.host, proxy.port);
  parseAddress(target);
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (failure: TlsFailure) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      tls.destroy();
      reject(new ConnectionError(failure));
    };
    const tcp = req.socket ?? tcpConnect({ host: proxy.host, port: proxy.port });
    const tls = tlsConnect({
      socket: tcp,
      // Node checks the proxy's certificate against `host` (or servername): the name in the proxy URL.
      host: proxy.host,
      servername: isIP(proxy.host) ? undefined : proxy.host,
      ca: req.tls.caPem,
      cert: req.tls.certPem,
      key: req.tls.keyPem,
      ALPNProtocols: ['http/1.1'],
    });
    const timeoutMs = req.timeoutMs ?? 10_000;
    const timer = setTimeout(
      () => fail(networkFailure('ETIMEDOUT', proxyAddress, `the proxy did not answer within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    tls.once('error', (err: Error & { code?: string }) => fail(proxyTlsFailure(err, proxy, proxyAddress)));
    const connectRequest = httpRequest({ method: 'CONNECT', path: target, headers: { Host: target }, createConnection: () => tls });
    connectRequest.once('error', (err: Error & { code?: string }) => fail(proxyTlsFailure(err, proxy, proxyAddress)));
    connectRequest.once('connect', (res, socket, head) => {
      if (res.statusCode === 200) {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (head.length > 0) socket.unshift(head);
        return resolve(tls);
      }
      const details =
        proxyStatusDetails(res.headers['proxy-status'] as string | undefined) ??
        (head.toString('utf8').trim() || res.statusMessage || 'no reason given');
      fail(proxyRefusal(res.statusCode ?? 0, details, proxy, target));
    });
    connectRequest.end();
  });
}

function proxyRefusal(status: number, details: string, proxy: ProxyEndpoint, target: string): TlsFailure {
  const code = String(status);
  const reason = `${proxy.url} answered ${status} to CONNECT ${target}: ${details}`;
  if (status === 407)
    return {
      side: 'proxy',
      code,
      reason,
      fix: 'call with a client certificate (tls.certPem and tls.keyPem); the proxy checks it like a server does',
    };
  if (status === 403 && /client certificate/.test(details)) {
    return {
      side: 'proxy',
      code,
      reason,
      fix: "use a certificate from a CA the proxy trusts, valid now, issued for client authentication and not revoked (the proxy's log has the details)",
    };
  }
  if (status === 403)
    return {
      side: 'proxy',
      code,
      reason,
      fix: `ask for a connect rule allowing ${target} for one of your roles in the proxy's policy (certrpc policy check FILE)`,
    };
  if (status === 502 || status === 504)
    return { side: 'proxy', code, reason, fix: `check that the server at ${target} is up and reachable from the proxy host` };
  return { side: 'proxy', code, reason, fix: 'check the proxy URL and the proxy log' };
}

/** Before any answer: the proxy is unreachable, its certificate is refused, or it closed on us. */
function proxyTlsFailure(err: Error & { code?: string }, proxy: ProxyEndpoint, proxyAddress: string): TlsFailure {
  const code = err.code ?? 'ERROR';
  if (/^E[A-Z]+$/.test(code) && code !== 'ECONNRESET' && !alertName(err.message))
    return networkFailure(code, `the proxy ${proxyAddress}`, err.message);
  if (alertName(err.message) || code === 'ECONNRESET' || code === 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE') {
    return {
      side: 'proxy',
      code: alertName(err.message) ?? code,
      reason: `the proxy ${proxy.url} closed the connection during the handshake (${err.message})`,
      fix: "check the proxy's log: it names the reason for every refused handshake",
    };
  }
  const refused = serverCertificateRefused(code, err.message, {});
  return {
    ...refused,
    reason: `${refused.reason.replace(/the server's certificate/g, "the proxy's certificate")} (proxy ${proxy.url})`,
    fix: refused.fix.replace(/server/g, 'proxy'),
  };
}

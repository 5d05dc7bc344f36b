// Everything a grpc-js client needs to reach ADDRESS through certrpc's mTLS proxy: the channel
// target (the proxy: grpc-js makes the TCP connection to it), the tunnel credentials, channel
// options (the real server as :authority; grpc-js's own http:// proxy support off, so an
// https_proxy variable cannot reroute us), and the diagnosis of a failure (client/diagnosis-interceptor.ts words it).
import { ChannelOptions } from '@grpc/grpc-js';
import { parseAddress } from '../tls/address';
import { formatHostPort } from '../text/host-port';
import type { ClientTlsMaterial } from '../tls/client-credentials';
import type { TlsFailure } from '../tls/failure-reasons';
import { probeTls } from '../tls/probe';
import { ConnectionError } from '../tls/connection-error';
import { openTunnel, parseProxyUrl, ProxyEndpoint } from './connect-client';
import { TunnelCredentials } from './tunnel-credentials';

export interface ProxiedChannel {
  /** What to pass to the grpc-js client as its address: the proxy's host:port. */
  target: string;
  credentials: TunnelCredentials;
  options: ChannelOptions;
  proxy: ProxyEndpoint;
}

export function proxiedChannel(address: string, proxyUrl: string, tls: ClientTlsMaterial, authority?: string): ProxiedChannel {
  parseAddress(address);
  const proxy = parseProxyUrl(proxyUrl);
  const credentials = new TunnelCredentials({ proxy, target: address.replace(/^dns:\/{0,3}/, ''), tls, authority });
  return {
    target: formatHostPort(proxy.host, proxy.port),
    credentials,
    options: { 'grpc.default_authority': authority ?? address, 'grpc.enable_http_proxy': 0 },
    proxy,
  };
}

/**
 * Why a connection through the proxy fails: what the last attempt recorded (proxy refusal, server
 * certificate refused), else a probe through a fresh tunnel (the server refusing our certificate
 * after a TLS 1.3 handshake is only visible that way).
 */
export async function diagnoseProxied(
  channel: ProxiedChannel,
  address: string,
  tls: ClientTlsMaterial,
  authority?: string,
  timeoutMs = 5000,
): Promise<TlsFailure | undefined> {
  if (channel.credentials.lastFailure) return channel.credentials.lastFailure;
  try {
    const tunnel = await openTunnel({ proxy: channel.proxy, tls, target: channel.credentials.options.target, timeoutMs });
    const result = await probeTls(address, tls, { authority, timeoutMs, socket: tunnel });
    tunnel.destroy();
    return result.ok ? undefined : { ...result.failure, reason: `${result.failure.reason} (through the proxy ${channel.proxy.url})` };
  } catch (err) {
    return err instanceof ConnectionError ? err.failure : undefined;
  }
}

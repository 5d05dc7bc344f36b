// Everything a grpc-js client needs to reach ADDRESS through certrpc's mTLS proxy: the channel
// target (the proxy: grpc-js makes the TCP connection to it), the tunnel credentials, channel
// options (the real server as :authority; grpc-js's own http:// proxy support off, so an
// https_proxy variable cannot reroute us), and an interceptor that explains failures in words.
import { ChannelOptions, InterceptingCall, Interceptor, Metadata, StatusObject, status as Status } from '@grpc/grpc-js';
import { parseAddress } from '../tls/address';
import type { ClientTlsMaterial } from '../tls/client-credentials';
import { formatFailure, TlsFailure } from '../tls/failure-reasons';
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
    target: `${proxy.host.includes(':') ? `[${proxy.host}]` : proxy.host}:${proxy.port}`,
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
export async function diagnoseProxied(channel: ProxiedChannel, address: string, tls: ClientTlsMaterial, authority?: string, timeoutMs = 5000): Promise<TlsFailure | undefined> {
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

const CONNECTION_FAILURE = /No connection established|Failed to connect|Connection dropped|ECONNREFUSED|alert|closed/i;

/** The proxied twin of diagnosisInterceptor: replaces "14 UNAVAILABLE: No connection established" with the reason. */
export function proxiedDiagnosisInterceptor(channel: ProxiedChannel, address: string, tls: ClientTlsMaterial, authority?: string): Interceptor {
  return (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start(metadata, _listener, next) {
        next(metadata, {
          onReceiveStatus(status: StatusObject, nextStatus) {
            if (status.code !== Status.UNAVAILABLE || !CONNECTION_FAILURE.test(status.details)) return nextStatus(status);
            diagnoseProxied(channel, address, tls, authority, 3000).then(
              (failure) => nextStatus(failure ? { ...status, details: formatFailure(failure), metadata: status.metadata ?? new Metadata() } : status),
              () => nextStatus(status),
            );
          },
        });
      },
    });
}

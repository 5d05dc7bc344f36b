import { ChannelOptions, Client, Interceptor } from '@grpc/grpc-js';
import { diagnosisInterceptor, probeDiagnosis } from './diagnosis-interceptor';
import { diagnoseProxied, proxiedChannel } from '../proxy/proxied-channel';
import { ClientTlsMaterial, createClientCredentials } from '../tls/client-credentials';

export interface CreateClientOptions {
  tls: ClientTlsMaterial;
  /** Verify the server certificate for this name (and send it as SNI/authority) instead of the dialed host. */
  authority?: string;
  grpcOptions?: ChannelOptions & { interceptors?: Interceptor[] };
  /** Explain connection failures (UNAVAILABLE) in words; on by default. */
  diagnose?: boolean;
  /** Reach the server through certrpc's mTLS CONNECT proxy, "https://HOST:PORT"; the same identity is presented to the proxy. */
  proxy?: string;
}

type ClientConstructor<T> = new (
  address: string,
  credentials: ReturnType<typeof createClientCredentials>,
  options?: Partial<ChannelOptions>,
) => T;

/** A typed ts-proto client (e.g. KeyValueClient) over mutual TLS with the given identity. */
export function createClient<T extends Client>(Ctor: ClientConstructor<T>, address: string, options: CreateClientOptions): T {
  if (options.proxy) {
    const channel = proxiedChannel(address, options.proxy, options.tls, options.authority);
    const proxied: ChannelOptions & { interceptors?: Interceptor[] } = { ...options.grpcOptions, ...channel.options };
    if (options.diagnose !== false)
      proxied.interceptors = [
        diagnosisInterceptor((ms) => diagnoseProxied(channel, address, options.tls, options.authority, ms)),
        ...(proxied.interceptors ?? []),
      ];
    return new Ctor(channel.target, channel.credentials, proxied);
  }
  const channelOptions: ChannelOptions & { interceptors?: Interceptor[] } = {
    ...options.grpcOptions,
    ...authorityOptions(options.authority),
  };
  if (options.diagnose !== false) {
    channelOptions.interceptors = [
      diagnosisInterceptor(probeDiagnosis(address, options.tls, options.authority)),
      ...(channelOptions.interceptors ?? []),
    ];
  }
  return new Ctor(address, createClientCredentials(options.tls), channelOptions);
}

/** The channel options that verify the server as `authority` and send it as :authority, instead of the dialed host. */
export function authorityOptions(authority: string | undefined): ChannelOptions {
  return authority ? { 'grpc.ssl_target_name_override': authority, 'grpc.default_authority': authority } : {};
}

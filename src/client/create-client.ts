import { ChannelOptions, Client, Interceptor } from '@grpc/grpc-js';
import { diagnosisInterceptor } from './diagnosis-interceptor';
import { proxiedChannel, proxiedDiagnosisInterceptor } from '../proxy/proxied-channel';
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

type ClientConstructor<T> = new (address: string, credentials: ReturnType<typeof createClientCredentials>, options?: Partial<ChannelOptions>) => T;

/** A typed ts-proto client (e.g. KeyValueClient) over mutual TLS with the given identity. */
export function createClient<T extends Client>(Ctor: ClientConstructor<T>, address: string, options: CreateClientOptions): T {
  if (options.proxy) {
    const channel = proxiedChannel(address, options.proxy, options.tls, options.authority);
    const proxied: ChannelOptions & { interceptors?: Interceptor[] } = { ...options.grpcOptions, ...channel.options };
    if (options.diagnose !== false) proxied.interceptors = [proxiedDiagnosisInterceptor(channel, address, options.tls, options.authority), ...(proxied.interceptors ?? [])];
    return new Ctor(channel.target, channel.credentials, proxied);
  }
  const channelOptions: ChannelOptions & { interceptors?: Interceptor[] } = { ...options.grpcOptions };
  if (options.authority) {
    channelOptions['grpc.ssl_target_name_override'] = options.authority;
    channelOptions['grpc.default_authority'] = options.authority;
  }
  if (options.diagnose !== false) {
    channelOptions.interceptors = [diagnosisInterceptor(address, options.tls, options.authority), ...(channelOptions.interceptors ?? [])];
  }
  return new Ctor(address, createClientCredentials(options.tls), channelOptions);
}

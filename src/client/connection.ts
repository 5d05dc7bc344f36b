// One mutual-TLS channel to a server for commands that call methods by name (list, describe, call,
// doctor). It connects before the first call, so a refused connection is told apart from a
// server that answers UNAVAILABLE, and is explained (which side refused, why, the fix).
import { Client, ClientOptions, connectivityState as State } from '@grpc/grpc-js';
import { ClientTlsMaterial, createClientCredentials } from '../tls/client-credentials';
import { ConnectionError } from '../tls/connection-error';
import { grpcTarget, parseDialTarget } from '../tls/address';
import { networkFailure } from '../tls/failure-reasons';
import { notGrpcOverTls } from '../tls/wrong-protocol';
import { probeTls } from '../tls/probe';
import { diagnoseProxied, proxiedChannel, ProxiedChannel } from '../proxy/proxied-channel';
import { authorityOptions } from './create-client';
import { diagnosisInterceptor, probeDiagnosis } from './diagnosis-interceptor';
import { LocalRevocationLookup, withLocalRevocation } from './local-revocation';

export interface ConnectionOptions {
  address: string;
  tls: ClientTlsMaterial;
  /** Verify the server certificate for this name (and send it as :authority) instead of the dialed host. */
  authority?: string;
  /** How long connecting may take (TCP + TLS + HTTP/2 settings). */
  connectTimeoutMs?: number;
  /** Reach the server through certrpc's mTLS CONNECT proxy, "https://HOST:PORT". */
  proxy?: string;
  /** The largest response message accepted (grpc-js's default: 4 MiB). */
  maxReceiveMessageBytes?: number;
  /** When the server refuses our certificate: does our own CRL say it is revoked? */
  localRevocation?: LocalRevocationLookup;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

export { ConnectionError };

export class RpcConnection {
  /** A grpc-js client with no methods of its own: make*Request calls any method path. */
  readonly client: Client;
  private readonly proxied?: ProxiedChannel;

  constructor(readonly options: ConnectionOptions) {
    if (options.proxy) {
      const channel = (this.proxied = proxiedChannel(options.address, options.proxy, options.tls, options.authority));
      const interceptors = [diagnosisInterceptor((ms) => diagnoseProxied(channel, options.address, options.tls, options.authority, ms))];
      this.client = new Client(channel.target, channel.credentials, { ...channel.options, ...this.limits(), interceptors });
      return;
    }
    const channelOptions: ClientOptions = {
      ...this.limits(),
      ...authorityOptions(options.authority),
      interceptors: [diagnosisInterceptor(probeDiagnosis(options.address, options.tls, options.authority))],
    };
    this.client = new Client(grpcTarget(parseDialTarget(options.address)), createClientCredentials(options.tls), channelOptions);
  }

  private limits(): ClientOptions {
    const max = this.options.maxReceiveMessageBytes;
    return max === undefined ? {} : { 'grpc.max_receive_message_length': max };
  }

  /** Resolves once the channel is READY; rejects with a ConnectionError saying why it is not. */
  async connect(): Promise<void> {
    const timeoutMs = this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    const channel = this.client.getChannel();
    let state = channel.getConnectivityState(true);
    while (state !== State.READY) {
      if (state === State.TRANSIENT_FAILURE || state === State.SHUTDOWN) throw await this.diagnose(timeoutMs);
      const changed = await new Promise<boolean>((resolve) => channel.watchConnectivityState(state, deadline, (err) => resolve(!err)));
      if (!changed) {
        const failure = networkFailure('ETIMEDOUT', this.options.address, `not connected within ${timeoutMs / 1000} s`);
        throw new ConnectionError({
          ...failure,
          reason: `${failure.reason} (${timeoutMs / 1000} s)`,
          fix: `${failure.fix}, or allow more time (connectTimeoutMs)`,
        });
      }
      state = channel.getConnectivityState(true);
    }
  }

  /** grpc-js only says "failed"; a plain TLS handshake with the same material says why. */
  private async diagnose(timeoutMs: number): Promise<ConnectionError> {
    if (this.proxied) {
      const failure = await diagnoseProxied(this.proxied, this.options.address, this.options.tls, this.options.authority, timeoutMs);
      if (failure) return new ConnectionError(failure);
    }
    const result = await probeTls(this.options.address, this.options.tls, { authority: this.options.authority, timeoutMs });
    if (!result.ok) {
      const revoked = result.step === 'client-certificate' ? await this.options.localRevocation?.().catch(() => undefined) : undefined;
      return new ConnectionError(withLocalRevocation(result.step, result.failure, revoked));
    }
    if (result.alpn !== 'h2') return new ConnectionError(notGrpcOverTls(this.options.address, result.alpn));
    return new ConnectionError({
      side: 'server',
      code: 'HTTP2',
      reason: `the TLS handshake with ${this.options.address} succeeds, but no gRPC (HTTP/2) connection could be made`,
      fix: 'check that the port serves gRPC, and the server log',
    });
  }

  close(): void {
    this.client.close();
  }
}

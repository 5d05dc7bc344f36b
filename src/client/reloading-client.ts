// A long-lived typed client whose certificate, key, trust bundle (and optional CRL for the server's
// certificate) come from files and follow them: on a change the material is read and checked with
// the same loader as a server's, and calls from then on go over a new connection made with it
// (ReloadingChannel); calls in progress finish on the old one. A broken change is refused with one
// log line and the last good material stays in use.
import { ChannelCredentials, ChannelOptions, Client, ClientOptions, credentials, Interceptor } from '@grpc/grpc-js';
import { createSecureContext } from 'node:tls';
import type { Logger } from '../log/logger';
import { crlPemBlocks } from '../pki/pem';
import type { FileReloader, ReloadTiming } from '../store/file-reloader';
import { ClientTlsMaterial, createClientCredentials, serverIdChecker } from '../tls/client-credentials';
import type { LoadedTls, TlsFiles } from '../tls/tls-material-files';
import { authorityOptions } from './create-client';
import { diagnosisInterceptor, probeDiagnosis } from './diagnosis-interceptor';
import { ReloadingChannel } from './reloading-channel';

export interface ReloadingClientOptions {
  /** Our certificate and key, the CA bundle(s) the server must chain to, optionally a CRL. */
  files: TlsFiles;
  /** Verify the server by this URI SAN or DNS name instead of the address dialed. */
  serverId?: string;
  /** Verify the server certificate for this name and send it as SNI/authority. */
  authority?: string;
  grpcOptions?: ChannelOptions & { interceptors?: Interceptor[] };
  /** Explain connection failures in words; on by default. */
  diagnose?: boolean;
  logger?: Logger;
  reload?: ReloadTiming;
}

export interface ReloadingClient<T> {
  client: T;
  channel: ReloadingChannel;
  /** The material in use; tests await tls.nextReload(). */
  tls: FileReloader<LoadedTls>;
  close(): void;
}

type ClientConstructor<T> = new (address: string, credentials: ChannelCredentials, options?: Partial<ClientOptions>) => T;

/** Channel credentials for one version of the material; with a CRL, the server's certificate is checked against it too. */
export function clientCredentialsFor(material: ClientTlsMaterial & { crlPem?: string; foreignCrlPem?: string }): ChannelCredentials {
  if (!material.crlPem) return createClientCredentials(material);
  // One string per CRL (Node reads only the first CRL of a string): the server's CA may not be the first.
  const crl = [...crlPemBlocks(material.crlPem), ...crlPemBlocks(material.foreignCrlPem)];
  const context = createSecureContext({ ca: material.caPem, cert: material.certPem, key: material.keyPem, crl });
  return credentials.createFromSecureContext(context, material.serverId ? { checkServerIdentity: serverIdChecker(material.serverId) } : {});
}

export async function createReloadingClient<T extends Client>(
  Ctor: ClientConstructor<T>,
  address: string,
  options: ReloadingClientOptions,
): Promise<ReloadingClient<T>> {
  // One object, updated in place: the diagnosis interceptor probes with whatever is current.
  const material: ClientTlsMaterial & { crlPem?: string; foreignCrlPem?: string } = { caPem: '' };
  const adopt = (loaded: LoadedTls) =>
    Object.assign(material, {
      caPem: loaded.material.clientCaPem,
      certPem: loaded.material.certPem,
      keyPem: loaded.material.keyPem,
      crlPem: loaded.material.crlPem,
      foreignCrlPem: loaded.material.foreignCrlPem,
      serverId: options.serverId,
    });
  const target: { channel?: ReloadingChannel } = {};
  // Loaded here, not with the module: they bring the PKI library (@peculiar/x509 and its Reflect
  // polyfill), zod and pino, which `require('certrpc/client')` must not cost a client that never reloads.
  const [{ FileReloader }, { describeTls, loadTlsMaterial }] = await Promise.all([
    import('../store/file-reloader'),
    import('../tls/tls-material-files'),
  ]);
  const tls = await FileReloader.start<LoadedTls>({
    what: 'client TLS material',
    files: [
      options.files.certFile,
      options.files.keyFile,
      ...options.files.caFiles,
      ...(options.files.crlFile ? [options.files.crlFile] : []),
    ],
    load: (inForce) => loadTlsMaterial(options.files, inForce),
    apply: (loaded) => {
      adopt(loaded);
      target.channel?.replaceCredentials(clientCredentialsFor(material));
    },
    describe: describeTls,
    logger: options.logger,
    ...options.reload,
  });
  adopt(tls.current);
  const { interceptors = [], ...channelOptions } = options.grpcOptions ?? {};
  Object.assign(channelOptions, authorityOptions(options.authority));
  const channel = (target.channel = new ReloadingChannel(address, clientCredentialsFor(material), channelOptions));
  // `material` is updated in place on every reload: the probe uses what is in force at the failure.
  const all =
    options.diagnose === false
      ? interceptors
      : [diagnosisInterceptor(probeDiagnosis(address, material, options.authority)), ...interceptors];
  const client = new Ctor(address, clientCredentialsFor(material), { ...channelOptions, interceptors: all, channelOverride: channel });
  return {
    client,
    channel,
    tls,
    close: () => {
      tls.close();
      client.close();
    },
  };
}

// Channel credentials whose connections resume TLS sessions. grpc-js's own (createSsl) never offer
// a session: every reconnect and every new channel pays a full handshake (two signatures, a
// certificate chain each way). These keep the last session ticket the server gave per target and
// offer it on the next connection (TLS 1.3 PSK resumption), otherwise they connect exactly as
// grpc-js's SecureConnector does (same secure context options, servername, ALPN h2, identity check).
//
// What resumption keeps and what it changes (docs/SECURITY.md):
// - A ticket is kept only from a connection that was fully verified (chain to our CAs, server
//   identity); tickets are kept per credentials object, i.e. per (CAs, our identity, serverId), and
//   per target name, so a session verified for one server name is never offered to another.
// - Node does not repeat the server-identity check on a resumed session: it was checked when the
//   ticket was issued, for the same name.
// - The server decides whether to resume (certrpc's listener refuses tickets issued before its
//   trust or CRL changed, and sessions of certificates that have expired since); a refused ticket
//   is a full handshake, never a failure.
import { CallCredentials, ChannelCredentials, ChannelOptions } from '@grpc/grpc-js';
import type { SecureConnector, SecureConnectResult, VerifyOptions } from '@grpc/grpc-js/build/src/channel-credentials';
import type { GrpcUri } from '@grpc/grpc-js/build/src/uri-parser';
import { isIP, type Socket } from 'node:net';
import {
  connect as tlsConnect,
  ConnectionOptions,
  createSecureContext,
  PeerCertificate,
  SecureContext,
  checkServerIdentity as nodeCheck,
} from 'node:tls';

/** Targets whose last ticket is kept; beyond it the oldest is forgotten. */
const MAX_TARGETS = 256;

// grpc-js's own target helpers (internal modules, loaded as its SecureConnector uses them).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { getDefaultAuthority } = require('@grpc/grpc-js/build/src/resolver') as { getDefaultAuthority(target: GrpcUri): string };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parseUri, splitHostPort } = require('@grpc/grpc-js/build/src/uri-parser') as {
  parseUri(s: string): GrpcUri | null;
  splitHostPort(s: string): { host: string; port?: number } | null;
};

export interface TlsSessionStats {
  /** Connections made through these credentials, and how many of them resumed a session. */
  connections: number;
  resumed: number;
}

export class ResumingChannelCredentials extends ChannelCredentials {
  private readonly secureContext: SecureContext;
  /** Target name -> the last session ticket a verified connection to it received. */
  private readonly sessions = new Map<string, Buffer>();
  readonly stats: TlsSessionStats = { connections: 0, resumed: 0 };

  constructor(
    material: { caPem: string; keyPem?: string; certPem?: string },
    private readonly verifyOptions: VerifyOptions = {},
  ) {
    super();
    // As ChannelCredentials.createSsl: our CAs only, grpc-js's cipher suites when set.
    this.secureContext = createSecureContext({
      ca: material.caPem,
      key: material.keyPem,
      cert: material.certPem,
      ciphers: process.env.GRPC_SSL_CIPHER_SUITES,
    });
  }

  _isSecure(): boolean {
    return true;
  }

  _equals(other: ChannelCredentials): boolean {
    return other === this;
  }

  _createSecureConnector(channelTarget: GrpcUri, options: ChannelOptions, callCredentials?: CallCredentials): SecureConnector {
    const { connection, checkedName } = connectionOptions(this.secureContext, this.verifyOptions, channelTarget, options);
    // Tickets are kept per name checked: a session verified for one name is never offered for another.
    const key = `${checkedName}\0${connection.host}`;
    // compose() (ChannelCredentials's own) hands its call credentials in here.
    const calls = callCredentials ?? CallCredentials.createEmpty();
    return {
      connect: (socket: Socket) => this.connect(socket, connection, key),
      waitForReady: () => Promise.resolve(),
      getCallCredentials: () => calls,
      destroy: () => undefined,
    };
  }

  private connect(socket: Socket, options: ConnectionOptions, key: string): Promise<SecureConnectResult> {
    return new Promise((resolve, reject) => {
      let verified = false;
      let early: Buffer | undefined;
      const tlsSocket = tlsConnect({ ...options, socket, session: this.sessions.get(key) }, () => {
        // Node has checked the chain and (on a full handshake) the server identity; refuse anything unverified.
        if (!tlsSocket.authorized) return reject(tlsSocket.authorizationError);
        verified = true;
        this.stats.connections++;
        if (tlsSocket.isSessionReused()) this.stats.resumed++;
        if (early) this.remember(key, early);
        resolve({ socket: tlsSocket, secure: true });
      });
      tlsSocket.on('session', (session: Buffer) => {
        if (verified) this.remember(key, session);
        else early = session;
      });
      tlsSocket.on('error', (err: Error) => {
        this.sessions.delete(key);
        reject(err);
      });
    });
  }

  private remember(key: string, session: Buffer): void {
    this.sessions.delete(key);
    if (this.sessions.size >= MAX_TARGETS) this.sessions.delete(this.sessions.keys().next().value as string);
    this.sessions.set(key, session);
  }
}

/** The options grpc-js's SecureConnector passes to tls.connect (channel-credentials.ts getConnectionOptions), and the name the server's certificate is checked for. */
function connectionOptions(
  secureContext: SecureContext,
  verify: VerifyOptions,
  channelTarget: GrpcUri,
  options: ChannelOptions,
): { connection: ConnectionOptions; checkedName: string } {
  let realTarget = channelTarget;
  if ('grpc.http_connect_target' in options) realTarget = parseUri(String(options['grpc.http_connect_target'])) ?? channelTarget;
  const targetPath = getDefaultAuthority(realTarget);
  const host = splitHostPort(targetPath)?.host ?? targetPath;
  const connection: ConnectionOptions = { secureContext, host, ALPNProtocols: ['h2'] };
  if (verify.checkServerIdentity) connection.checkServerIdentity = verify.checkServerIdentity;
  const override = options['grpc.ssl_target_name_override'] as string | undefined;
  if (override) {
    const check = connection.checkServerIdentity ?? nodeCheck;
    connection.checkServerIdentity = (_host: string, cert: PeerCertificate) => check(override, cert);
  }
  // RFC 6066 allows only host names in SNI (grpc-js sends IP addresses too, and Node warns). With no
  // servername, Node checks the certificate against `host`, so an IP address is still checked.
  const checkedName = override || host;
  if (!isIP(checkedName)) connection.servername = checkedName;
  return { connection, checkedName };
}

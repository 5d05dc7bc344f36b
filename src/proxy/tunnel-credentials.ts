// grpc-js credentials that reach the server through certrpc's mTLS CONNECT proxy.
//
// grpc-js only speaks to http:// proxies (the CONNECT in plaintext; grpc-node issue #1295). Here the
// channel's target is the proxy: grpc-js opens the TCP connection to it, and this SecureConnector
// (exported as experimental.SecureConnector since grpc-js 1.13; ChannelCredentials declares
// _createSecureConnector abstract for exactly this) turns that socket into mutual TLS with the
// proxy, a CONNECT tunnel, and then mutual TLS with the real server inside it, checked like a
// direct connection (CA, hostname or server identity). No local listener, no extra port.
// This is the one file that relies on that grpc-js extension point; test/e2e/proxy.test.ts covers it.
import { CallCredentials, ChannelCredentials, experimental } from '@grpc/grpc-js';
import { isIP, Socket } from 'node:net';
import { connect as tlsConnect, TLSSocket } from 'node:tls';
import { parseAddress } from '../tls/address';
import type { ClientTlsMaterial } from '../tls/client-credentials';
import { alertName, clientCertificateRefused, formatFailure, isNotTlsError, opensslReason, TlsFailure } from '../tls/failure-reasons';
import { wrongProtocol } from '../tls/wrong-protocol';
import { serverCertificateProblem } from '../tls/server-certificate-check';
import { ConnectionError } from '../tls/connection-error';
import { openTunnel, ProxyEndpoint } from './connect-client';

export interface TunnelCredentialsOptions {
  proxy: ProxyEndpoint;
  /** "host:port" of the real server, as the proxy should connect to it. */
  target: string;
  /** Our identity, used for the proxy and for the server alike, and the CAs both must chain to. */
  tls: ClientTlsMaterial;
  /** Verify the server for this name instead of the target host (like createClient's authority). */
  authority?: string;
  timeoutMs?: number;
}

export class TunnelCredentials extends ChannelCredentials {
  /** Why the last connection attempt failed, for explanations (grpc-js reports only "UNAVAILABLE"). */
  lastFailure?: TlsFailure;

  constructor(readonly options: TunnelCredentialsOptions) {
    super();
  }

  _isSecure(): boolean {
    return true;
  }

  _equals(other: ChannelCredentials): boolean {
    return other === this;
  }

  _createSecureConnector(_channelTarget: unknown, _options: unknown, callCredentials?: CallCredentials): experimental.SecureConnector {
    return {
      connect: async (socket: Socket) => ({ socket: await this.connectThrough(socket), secure: true }),
      waitForReady: () => Promise.resolve(),
      getCallCredentials: () => callCredentials ?? CallCredentials.createEmpty(),
      destroy: () => undefined,
    };
  }

  private async connectThrough(socket: Socket) {
    const { tls, target, proxy } = this.options;
    try {
      const tunnel = await openTunnel({ proxy, tls, target, socket, timeoutMs: this.options.timeoutMs });
      const secure = await this.handshakeWithServer(tunnel);
      this.lastFailure = undefined;
      return secure;
    } catch (err) {
      if (err instanceof ConnectionError) this.lastFailure = err.failure;
      socket.destroy();
      throw err;
    }
  }

  /** End-to-end mutual TLS with the server, through the tunnel: the proxy only relays bytes. */
  private handshakeWithServer(tunnel: Socket) {
    const { tls, target, authority, proxy } = this.options;
    const name = authority ?? parseAddress(target).host;
    return new Promise<TLSSocket>((resolve, reject) => {
      const refuse = (failure: TlsFailure) => {
        this.lastFailure = { ...failure, reason: `${failure.reason} (through the proxy ${proxy.url})` };
        secure.destroy();
        reject(new Error(formatFailure(this.lastFailure)));
      };
      const secure = tlsConnect({
        socket: tunnel,
        servername: isIP(name) ? undefined : name,
        ca: tls.caPem,
        cert: tls.certPem,
        key: tls.keyPem,
        ALPNProtocols: ['h2'],
        // Checked below, where the server's names and issuer can go into the message; nothing unchecked passes.
        // (Node's own name check would use "localhost" here: a socket was given, so it knows no host.)
        rejectUnauthorized: false,
        checkServerIdentity: () => undefined,
      });
      secure.once('secureConnect', () => {
        const refused = serverCertificateProblem(secure, secure.getPeerCertificate(), name, tls);
        if (refused) return refuse(refused);
        resolve(secure);
      });
      secure.once('error', (err: Error & { code?: string }) => {
        // A TLS 1.2 server refuses our certificate with an alert; anything else ended the handshake early.
        const alert = alertName(err.message);
        if (alert) return refuse(clientCertificateRefused(alert, err.message));
        // No TLS came back through the tunnel (a plaintext server behind the proxy): say so, as a direct connection would.
        if (isNotTlsError(err)) return refuse(wrongProtocol(target, { kind: 'nothing' }, opensslReason(err.message)));
        refuse({
          side: 'server',
          code: err.code ?? 'ERROR',
          reason: `the TLS handshake with ${target} failed: ${err.message}`,
          fix: 'check the server log for the refused handshake and its reason',
        });
      });
    });
  }
}

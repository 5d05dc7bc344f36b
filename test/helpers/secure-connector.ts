// A channel credentials' secure connector driven as grpc-js's subchannel drives it (a plain TCP
// socket handed to connect()), against a real MtlsListener on 127.0.0.1:0 with real certificates.
import type { ChannelCredentials, ChannelOptions } from '@grpc/grpc-js';
import { parseUri } from '@grpc/grpc-js/build/src/uri-parser';
import { connect as tcpConnect } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { MtlsListener } from '../../src/tls/mtls-listener';
import { demoPki, issue } from './pki';

/** A server certificate for kv.corp and spiffe://corp/service/kv only: no IP address, no localhost. */
export async function kvServer(dir: string) {
  const pki = await demoPki(dir);
  await issue(pki, 'kv', { profile: 'server', san: 'DNS:kv.corp,URI:spiffe://corp/service/kv' });
  const id = pki.loadIdentity('kv');
  const listener = new MtlsListener({ certPem: id.certPem, keyPem: id.keyPem, clientCaPem: id.caPem }, { maxHandshakesPerAddress: 1000 });
  const seen: { servername: string | false; alpn: string | false | null }[] = [];
  // As grpc-js does, the server speaks first once TLS is up. Its session tickets come before it.
  listener.on('connection', (s: TLSSocket) => {
    seen.push({ servername: s.servername ?? false, alpn: s.alpnProtocol });
    s.end('settings');
  });
  const port = (await listener.listen('127.0.0.1', 0)).port;
  return { pki, listener, port, seen };
}

/** What grpc-js's subchannel does for a target (a gRPC URI, e.g. dns:kv.corp:443): a TCP connection to the resolved address (127.0.0.1 here), handed to the connector. */
export async function dial(credentials: ChannelCredentials, port: number, target: string, options: ChannelOptions = {}) {
  const connector = credentials._createSecureConnector(parseUri(target)!, options);
  const result = await connector.connect(tcpConnect(port, '127.0.0.1'));
  const socket = result.socket as TLSSocket;
  // The first bytes after the tickets: by then every ticket the server sent has been seen.
  await new Promise((resolve) => socket.once('data', resolve));
  const resumed = socket.isSessionReused();
  socket.destroy();
  return { secure: result.secure, resumed };
}

/** connect()'s rejection, or undefined if it connected. */
export function refusal(credentials: ChannelCredentials, port: number, target: string, options: ChannelOptions = {}) {
  return dial(credentials, port, target, options).then(
    () => undefined,
    (e: Error & { code?: string }) => e,
  );
}

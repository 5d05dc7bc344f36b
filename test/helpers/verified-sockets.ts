// Server-side sockets of verified mutual-TLS connections, from a plain node:tls server on
// 127.0.0.1:0 that trusts the PKI's CA: what a revocation cut-off closes, for suites that test the
// enforcer without a gRPC server around it. Call start() in beforeAll and stop() in afterAll.
import { connect, createServer as createTlsServer, Server as TlsServer, TLSSocket } from 'node:tls';
import { PkiDir } from '../../src/store/pki-dir';
import { eventually } from './eventually';
import { clientTls } from './pki';

export class VerifiedSockets {
  private server?: TlsServer;
  private port = 0;
  private readonly accepted: TLSSocket[] = [];
  private readonly clients: TLSSocket[] = [];

  async start(pki: PkiDir): Promise<void> {
    const id = pki.loadIdentity('server');
    this.server = createTlsServer({ cert: id.certPem, key: id.keyPem, ca: id.caPem, requestCert: true, rejectUnauthorized: true }, (s) => {
      s.on('error', () => undefined);
      this.accepted.push(s);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  /** The server side of a new verified connection from NAME of `pki`. */
  async connection(pki: PkiDir, name: string): Promise<TLSSocket> {
    const before = this.accepted.length;
    const tls = clientTls(pki, name);
    const client = connect({
      host: '127.0.0.1',
      port: this.port,
      ca: tls.caPem,
      cert: tls.certPem,
      key: tls.keyPem,
      servername: 'localhost',
    });
    client.on('error', () => undefined);
    this.clients.push(client);
    await new Promise((resolve) => client.once('secureConnect', resolve));
    return eventually(() => this.accepted.length > before && this.accepted[this.accepted.length - 1], 'the server side of the connection');
  }

  async stop(): Promise<void> {
    for (const c of this.clients) c.destroy();
    for (const s of this.accepted) s.destroy();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

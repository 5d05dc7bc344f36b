// The peer certificate pinned at admission: same object on every call, the chain still readable,
// and renegotiation (the only way to change certificates mid-connection) refused.
import { readFileSync } from 'node:fs';
import { connect, createServer, Server, TLSSocket } from 'node:tls';
import { pinPeerCertificate } from '../../src/tls/pinned-peer-certificate';
import { demoPki } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';
import { PkiDir } from '../../src/store/pki-dir';

let tmp: ReturnType<typeof tempDir>;
let pki: PkiDir;
let server: Server;
let accepted: Promise<TLSSocket>;
let port: number;

beforeAll(async () => {
  tmp = tempDir();
  pki = await demoPki(tmp.dir);
});
afterAll(() => tmp.cleanup());

beforeEach(async () => {
  server = createServer({
    ca: readFileSync(pki.caCertFile),
    cert: readFileSync(pki.certFile('server')),
    key: readFileSync(pki.keyFile('server')),
    requestCert: true,
    rejectUnauthorized: true,
  });
  accepted = new Promise((resolve) =>
    server.once('secureConnection', (socket) => {
      socket.on('error', () => undefined);
      pinPeerCertificate(socket, socket.getPeerCertificate());
      resolve(socket);
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});
afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

function dial(maxVersion: 'TLSv1.2' | 'TLSv1.3' = 'TLSv1.3'): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: '127.0.0.1',
      port,
      ca: readFileSync(pki.caCertFile),
      cert: readFileSync(pki.certFile('alice')),
      key: readFileSync(pki.keyFile('alice')),
      maxVersion,
    });
    socket.once('secureConnect', () => resolve(socket));
    socket.once('error', reject);
  });
}

it('answers every plain read with the certificate verified at the handshake, and the chain on a detailed read', async () => {
  const client = await dial();
  const socket = await accepted;
  const first = socket.getPeerCertificate();
  expect(socket.getPeerCertificate()).toBe(first);
  expect(first.subject.CN).toBe('alice');
  expect(Object.isFrozen(first)).toBe(true);
  const detailed = socket.getPeerCertificate(true);
  expect(detailed).not.toBe(first);
  expect(detailed.fingerprint256).toBe(first.fingerprint256);
  expect(detailed.issuerCertificate?.subject.CN).toBe('certrpc demo CA');
  client.destroy();
});

it('refuses a TLS 1.2 renegotiation, so the pinned certificate cannot be swapped', async () => {
  const client = await dial('TLSv1.2');
  client.on('error', () => undefined);
  const socket = await accepted;
  const serverError = new Promise<Error>((resolve) => socket.once('error', resolve));
  client.renegotiate({ rejectUnauthorized: true }, () => undefined);
  const err = await serverError;
  expect(err.message).toMatch(/renegotiation/i);
  client.destroy();
});

// A real MtlsListener on 127.0.0.1:0 that, as grpc-js does, speaks first once TLS is up (its HTTP/2
// SETTINGS stand-in) and keeps every admitted connection open until close(): what a probe of a
// certrpc server meets.
import type { TLSSocket } from 'node:tls';
import { MtlsListener } from '../../src/tls/mtls-listener';
import type { PkiDir } from '../../src/store/pki-dir';

export async function speakingListener(pki: PkiDir, identity: string) {
  const id = pki.loadIdentity(identity);
  const listener = new MtlsListener({ certPem: id.certPem, keyPem: id.keyPem, clientCaPem: id.caPem });
  const admitted: TLSSocket[] = [];
  listener.on('connection', (s: TLSSocket) => {
    admitted.push(s);
    s.write('settings');
  });
  const address = `127.0.0.1:${(await listener.listen('127.0.0.1', 0)).port}`;
  return {
    address,
    async close(): Promise<void> {
      for (const s of admitted) s.destroy();
      await listener.close();
    },
  };
}

// Issue 3 acceptance: the demo service over real mutual TLS on 127.0.0.1.
import { Metadata } from '@grpc/grpc-js';
import { Change } from '../../src/gen/demo/v1/kv';
import { serveDirectory } from '../../src/app/serve-directory';
import { CertrpcServer } from '../../src/server/create-server';
import { PkiDir } from '../../src/store/pki-dir';
import { demoClients, unary } from '../helpers/calls';
import { clientTls, demoPki } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';
import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { allowAllAuthenticated } from '../../src/authz/compiled-policy';

describe('demo service over mTLS', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  let server: CertrpcServer;
  let address: string;

  beforeAll(async () => {
    pki = await demoPki(tmp.dir);
    server = await serveDirectory({ pki, demo: true, port: 0, policy: allowAllAuthenticated() });
    address = `127.0.0.1:${server.listening!.port}`;
  });
  afterAll(async () => {
    await server.shutdown(1000);
    tmp.cleanup();
  });

  it('WhoAmI returns the caller as the server saw it: CN, serial, SANs, expiry', async () => {
    const alice = demoClients(address, clientTls(pki, 'alice'));
    const me = await alice.whoAmI();
    alice.close();
    const cert = new X509Certificate(readFileSync(pki.certFile('alice')));
    expect(me.commonName).toBe('alice');
    expect(me.serial).toBe(cert.serialNumber.toLowerCase().replace(/^0+/, ''));
    expect(me.sans).toEqual(['URI:spiffe://certrpc.demo/user/alice']);
    expect(me.spiffeId).toBe('spiffe://certrpc.demo/user/alice');
    expect(new Date(me.notAfter).getTime()).toBe(new Date(cert.validTo).getTime());
    expect(me.fingerprintSha256).toBe(cert.fingerprint256.toLowerCase());
  });

  it('Put then Get round-trips, and Delete removes', async () => {
    const { kv, close } = demoClients(address, clientTls(pki, 'alice'));
    await unary(kv, kv.put, { key: 'greeting', value: 'hello' });
    expect(await unary(kv, kv.get, { key: 'greeting' })).toEqual({ key: 'greeting', value: 'hello', found: true });
    expect(await unary(kv, kv.delete, { key: 'greeting' })).toEqual({ found: true });
    expect(await unary(kv, kv.get, { key: 'greeting' })).toEqual({ key: 'greeting', value: '', found: false });
    close();
  });

  it('Watch streams a change made by another client', async () => {
    const watcher = demoClients(address, clientTls(pki, 'bob'));
    const writer = demoClients(address, clientTls(pki, 'alice'));
    const stream = watcher.kv.watch({ prefix: 'room/' }, new Metadata());
    const received: Change[] = [];
    const got = new Promise<void>((resolve, reject) => {
      stream.on('data', (c: Change) => {
        received.push(c);
        if (received.length === 2) resolve();
      });
      stream.on('error', reject);
    });
    // The stream is registered once the server has sent headers; wait for them before writing.
    await new Promise((r) => stream.once('metadata', r));
    await unary(writer.kv, writer.kv.put, { key: 'other/x', value: 'not watched' });
    await unary(writer.kv, writer.kv.put, { key: 'room/1', value: 'hi' });
    await unary(writer.kv, writer.kv.delete, { key: 'room/1' });
    await got;
    stream.cancel();
    expect(received).toEqual([
      { key: 'room/1', value: 'hi', deleted: false },
      { key: 'room/1', value: '', deleted: true },
    ]);
    watcher.close();
    writer.close();
  });
});

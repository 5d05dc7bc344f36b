// Issue 6, revocation: `certrpc cert revoke bob` while bob holds an open connection streaming Watch.
// The server (`certrpc serve`, a child process watching DIR/crl.pem) ends his stream and refuses
// his next call on that same connection with a message that says revoked and when, leaves alice
// alone, and refuses a new handshake with bob's certificate.
import { Channel, ClientReadableStream, Metadata, ServiceError, status } from '@grpc/grpc-js';
import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IdentityClient } from '../../src/gen/certrpc/v1/identity';
import { Change, KeyValueClient } from '../../src/gen/demo/v1/kv';
import { PkiDir } from '../../src/store/pki-dir';
import { createClientCredentials } from '../../src/tls/client-credentials';
import { probeTls } from '../../src/tls/probe';
import { demoClients, grpcError, unary } from '../helpers/calls';
import { RunningServer, runCli, startCli } from '../helpers/cli';
import { eventually, logLines } from '../helpers/eventually';
import { clientTls, demoPki } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';

const serialOf = (file: string) => new X509Certificate(readFileSync(file)).serialNumber.toLowerCase().replace(/^0+/, '');

/** One channel (so one connection) for both of a caller's typed clients. */
function sharedChannelClients(address: string, pki: PkiDir, name: string) {
  const creds = createClientCredentials(clientTls(pki, name));
  const channel = new Channel(address, creds, {});
  return {
    kv: new KeyValueClient(address, creds, { channelOverride: channel }),
    identity: new IdentityClient(address, creds, { channelOverride: channel }),
    close: () => channel.close(),
  };
}

function watch(kv: KeyValueClient): { stream: ClientReadableStream<Change>; changes: Change[]; ended: Promise<ServiceError> } {
  const stream = kv.watch({ prefix: '' }, new Metadata());
  const changes: Change[] = [];
  stream.on('data', (c: Change) => changes.push(c));
  const ended = new Promise<ServiceError>((resolve) => stream.on('error', resolve));
  return { stream, changes, ended };
}

describe('cert revoke while bob streams: cut off within a second, alice undisturbed, handshake refused', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  let server: RunningServer;
  let address: string;

  beforeAll(async () => {
    pki = await demoPki(tmp.dir);
    copyFileSync(join(__dirname, '..', '..', 'policy.yaml'), join(tmp.dir, 'policy.yaml'));
    server = await startCli(['serve', '--demo', '--dir', tmp.dir, '--port', '0', '--policy', join(tmp.dir, 'policy.yaml')]);
    address = server.address;
  });
  afterAll(async () => {
    await server?.stop();
    tmp.cleanup();
  });

  it('ends bob\'s open Watch and his next call with "revoked", keeps alice, refuses his new handshake', async () => {
    const bob = sharedChannelClients(address, pki, 'bob');
    const alice = sharedChannelClients(address, pki, 'alice');
    expect((await unary(bob.identity, bob.identity.whoAmI, {})).commonName).toBe('bob');
    const bobWatch = watch(bob.kv);
    const aliceWatch = watch(alice.kv);
    await Promise.all([new Promise((r) => bobWatch.stream.once('metadata', r)), new Promise((r) => aliceWatch.stream.once('metadata', r))]);

    const revoked = await runCli(['cert', 'revoke', 'bob', '--reason', 'keyCompromise', '--dir', tmp.dir]);
    const revokedAt = Date.now();
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(/revoked "bob" \(serial [0-9a-f]+\) at .* reason keyCompromise/);

    const streamError = await bobWatch.ended;
    const streamCutMs = Date.now() - revokedAt;
    expect(streamError.code).toBe(status.UNAUTHENTICATED);
    expect(streamError.details).toMatch(/client certificate CN=bob \(serial [0-9a-f]+\) was revoked at \d{4}-\d\d-\d\dT.*Z \(keyCompromise\)/);

    // His next call, on the connection opened before the revocation.
    const nextCall = await grpcError(unary(bob.kv, bob.kv.get, { key: 'x' }));
    const nextCallMs = Date.now() - revokedAt;
    expect(nextCall.code).toBe(status.UNAUTHENTICATED);
    expect(nextCall.details).toMatch(/was revoked at/);
    // The issue asks for "within a second"; the slack is for a loaded 2-core test machine.
    console.log(`revocation: bob's stream ended ${streamCutMs} ms and his next call was refused ${nextCallMs} ms after cert revoke returned`);
    expect(streamCutMs).toBeLessThan(2000);

    // Alice: her stream is still live and her calls work.
    await unary(alice.kv, alice.kv.put, { key: 'after-revocation', value: 'still here' });
    await eventually(() => aliceWatch.changes.find((c) => c.key === 'after-revocation'), "alice's Watch to see her own Put");
    expect((await unary(alice.identity, alice.identity.whoAmI, {})).commonName).toBe('alice');

    // A new handshake with bob's certificate is refused, and the server says why.
    const probe = await probeTls(address, clientTls(pki, 'bob'));
    expect(probe.ok).toBe(false);
    const fresh = demoClients(address, clientTls(pki, 'bob'));
    expect((await grpcError(fresh.whoAmI())).code).toBe(status.UNAVAILABLE);
    fresh.close();
    await eventually(() => logLines(server.logs()).find((l) => l.event === 'handshake_refused' && /CERT_REVOKED/.test(String(l.msg))), 'a CERT_REVOKED refusal in the server log');
    expect(logLines(server.logs()).some((l) => l.event === 'revoked_peer_cut_off' && l.serial === serialOf(pki.certFile('bob')))).toBe(true);

    aliceWatch.stream.cancel();
    bob.close();
    alice.close();
  });

  it('publishes a CRL openssl reads and checks: bob revoked, the others fine', () => {
    const text = execFileSync('openssl', ['crl', '-in', pki.crlFile, '-noout', '-text'], { encoding: 'utf8' });
    // openssl prints serials with an even number of hex digits: a leading 0 may come back.
    expect(text.toLowerCase()).toMatch(new RegExp(`serial number: 0?${serialOf(pki.certFile('bob'))}\n`));
    expect(text).toMatch(/Key Compromise/);
    const verify = (name: string) => spawnSync('openssl', ['verify', '-crl_check', '-CRLfile', pki.crlFile, '-CAfile', pki.caCertFile, pki.certFile(name)], { encoding: 'utf8' });
    const bob = verify('bob');
    expect(bob.status).not.toBe(0);
    expect(bob.stdout + bob.stderr).toMatch(/certificate revoked/);
    for (const name of ['alice', 'server']) expect(verify(name).status).toBe(0);
  });

  it('keeps the last good CRL when crl.pem is corrupted, and says so in its log', async () => {
    const good = readFileSync(pki.crlFile, 'utf8');
    writeFileSync(pki.crlFile, '-----BEGIN X509 CRL-----\nnot a crl\n-----END X509 CRL-----\n');
    const refused = await eventually(() => logLines(server.logs()).find((l) => l.event === 'reload_refused' && /CRL #1 is corrupt/.test(String(l.problem))), 'the server to log the refused CRL');
    expect(String(refused.msg)).toMatch(/last good one stays in force/);
    // Still enforced: bob is refused, alice gets through on a new connection.
    expect((await probeTls(address, clientTls(pki, 'bob'))).ok).toBe(false);
    const alice = demoClients(address, clientTls(pki, 'alice'));
    expect((await alice.whoAmI()).commonName).toBe('alice');
    alice.close();
    writeFileSync(pki.crlFile, good);
  });
});

// Issue 6, revocation: `certrpc cert revoke bob` while bob holds an open connection streaming Watch.
// The server (`certrpc serve`, a child process watching DIR/crl.pem) ends his stream and refuses
// his next call on that same connection with a message that says revoked and when, then closes
// that connection, leaves alice alone, and refuses a new handshake with bob's certificate.
// Tested on the mechanism, by the order of events, never by the clock: how soon after crl.pem is
// written this happens is a figure of `npm run bench` (scenario revocation), not an assert here.
import { Channel, ClientReadableStream, connectivityState, Metadata, ServiceError, status } from '@grpc/grpc-js';
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
    channel,
    kv: new KeyValueClient(address, creds, { channelOverride: channel }),
    identity: new IdentityClient(address, creds, { channelOverride: channel }),
    close: () => channel.close(),
  };
}

/** onEnd runs synchronously inside the stream's 'error' event, so it records the order of arrival. */
function watch(
  kv: KeyValueClient,
  onEnd: () => void = () => undefined,
): { stream: ClientReadableStream<Change>; changes: Change[]; ended: Promise<ServiceError> } {
  const stream = kv.watch({ prefix: '' }, new Metadata());
  const changes: Change[] = [];
  stream.on('data', (c: Change) => changes.push(c));
  const ended = new Promise<ServiceError>((resolve) =>
    stream.on('error', (err: ServiceError) => {
      onEnd();
      resolve(err);
    }),
  );
  return { stream, changes, ended };
}

/**
 * Resolves with the state the channel's connection left READY for (IDLE, TRANSIENT_FAILURE): the
 * client closes nothing on its own here, so that is the server closing it. Rejects if it is still
 * open after timeoutMs (the server closes a revoked peer's connections a few seconds after the cut-off).
 */
function connectionClosed(channel: Channel, timeoutMs = 20_000): Promise<connectivityState> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const check = () => {
      const state = channel.getConnectivityState(false);
      if (state !== connectivityState.READY) return resolve(state);
      channel.watchConnectivityState(state, deadline, (err) =>
        err ? reject(new Error(`the connection is still open (READY) ${timeoutMs} ms later`)) : check(),
      );
    };
    check();
  });
}

/** The "TLS material reloaded" line of the reload that took a CRL listing `revoked` entries. */
const crlReload = (logs: string, revoked: number) =>
  logLines(logs).find(
    (l) =>
      l.event === 'reloaded' &&
      l.what === 'TLS material' &&
      (l.crls as { revoked: number }[] | undefined)?.some((c) => c.revoked >= revoked),
  );

describe('cert revoke while bob streams: his stream ends on the CRL reload, his connection closes, alice undisturbed, handshake refused', () => {
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

  it("on the CRL reload: ends bob's open Watch, refuses his next call, then closes his connection; keeps alice; refuses his new handshake", async () => {
    const bob = sharedChannelClients(address, pki, 'bob');
    const alice = sharedChannelClients(address, pki, 'alice');
    expect((await unary(bob.identity, bob.identity.whoAmI, {})).commonName).toBe('bob');
    // What bob's client saw, in the order it saw it.
    const seen: string[] = [];
    const bobWatch = watch(bob.kv, () => seen.push('watch ended'));
    const aliceWatch = watch(alice.kv, () => seen.push('alice watch ended'));
    await Promise.all([new Promise((r) => bobWatch.stream.once('metadata', r)), new Promise((r) => aliceWatch.stream.once('metadata', r))]);
    expect([bob.channel.getConnectivityState(false), alice.channel.getConnectivityState(false)]).toEqual([
      connectivityState.READY,
      connectivityState.READY,
    ]);
    const bobClosed = connectionClosed(bob.channel).then((state) => {
      seen.push('connection closed');
      return state;
    });
    bobClosed.catch(() => undefined); // awaited below; a rejection must not go unhandled meanwhile

    const revoked = await runCli(['cert', 'revoke', 'bob', '--reason', 'keyCompromise', '--dir', tmp.dir]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(/revoked "bob" \(serial [0-9a-f]+\) at .* reason keyCompromise/);

    // The server applied the new CRL: its reloader writes this line once apply (updateTls, and in it
    // the revocation enforcer) has returned.
    await eventually(() => crlReload(server.logs(), 1), "the server's reload of the CRL listing bob");
    // Sent only now, on bob's connection: the server handles it after that reload, so its refusal goes
    // out on the same HTTP/2 connection after the Watch's trailers, if the enforcer ended the Watch
    // in that reload. Cut off by anything later (a timer, another reload), the Watch would still be
    // open when this refusal arrives.
    const nextCall = await grpcError(unary(bob.kv, bob.kv.get, { key: 'x' }).finally(() => seen.push('next call refused')));
    expect(seen).toEqual(['watch ended', 'next call refused']);
    expect(nextCall.code).toBe(status.UNAUTHENTICATED);
    expect(nextCall.details).toMatch(/was revoked at/);
    const streamError = await bobWatch.ended;
    expect(streamError.code).toBe(status.UNAUTHENTICATED);
    expect(streamError.details).toMatch(
      /client certificate CN=bob \(serial [0-9a-f]+\) was revoked at \d{4}-\d\d-\d\dT.*Z \(keyCompromise\)/,
    );

    // Then the server closes the connection (after a short grace, so the refusals above can say why).
    expect([connectivityState.IDLE, connectivityState.TRANSIENT_FAILURE]).toContain(await bobClosed);
    expect(seen).toEqual(['watch ended', 'next call refused', 'connection closed']);
    expect(logLines(server.logs()).find((l) => l.event === 'revoked_peer_cut_off')).toMatchObject({
      serial: serialOf(pki.certFile('bob')),
      calls: 1,
      connections: 1,
      reason: 'keyCompromise',
    });

    // Alice: her connection is still the one she opened, her stream is live and her calls work.
    expect(alice.channel.getConnectivityState(false)).toBe(connectivityState.READY);
    await unary(alice.kv, alice.kv.put, { key: 'after-revocation', value: 'still here' });
    await eventually(() => aliceWatch.changes.find((c) => c.key === 'after-revocation'), "alice's Watch to see her own Put");
    expect((await unary(alice.identity, alice.identity.whoAmI, {})).commonName).toBe('alice');
    expect(seen).not.toContain('alice watch ended');

    // A new handshake with bob's certificate is refused, and the server says why.
    const probe = await probeTls(address, clientTls(pki, 'bob'));
    expect(probe.ok).toBe(false);
    const fresh = demoClients(address, clientTls(pki, 'bob'));
    expect((await grpcError(fresh.whoAmI())).code).toBe(status.UNAVAILABLE);
    fresh.close();
    await eventually(
      () => logLines(server.logs()).find((l) => l.event === 'handshake_refused' && /CERT_REVOKED/.test(String(l.msg))),
      'a CERT_REVOKED refusal in the server log',
    );

    aliceWatch.stream.cancel();
    bob.close();
    alice.close();
  });

  it('publishes a CRL openssl reads and checks: bob revoked, the others fine', () => {
    const text = execFileSync('openssl', ['crl', '-in', pki.crlFile, '-noout', '-text'], { encoding: 'utf8' });
    // openssl prints serials with an even number of hex digits: a leading 0 may come back.
    expect(text.toLowerCase()).toMatch(new RegExp(`serial number: 0?${serialOf(pki.certFile('bob'))}\n`));
    expect(text).toMatch(/Key Compromise/);
    const verify = (name: string) =>
      spawnSync('openssl', ['verify', '-crl_check', '-CRLfile', pki.crlFile, '-CAfile', pki.caCertFile, pki.certFile(name)], {
        encoding: 'utf8',
      });
    const bob = verify('bob');
    expect(bob.status).not.toBe(0);
    expect(bob.stdout + bob.stderr).toMatch(/certificate revoked/);
    for (const name of ['alice', 'server']) expect(verify(name).status).toBe(0);
  });

  it('keeps the last good CRL when crl.pem is corrupted, and says so in its log', async () => {
    const good = readFileSync(pki.crlFile, 'utf8');
    writeFileSync(pki.crlFile, '-----BEGIN X509 CRL-----\nnot a crl\n-----END X509 CRL-----\n');
    const refused = await eventually(
      () => logLines(server.logs()).find((l) => l.event === 'reload_refused' && /CRL #1 is corrupt/.test(String(l.problem))),
      'the server to log the refused CRL',
    );
    expect(String(refused.msg)).toMatch(/last good one stays in force/);
    // Still enforced: bob is refused, alice gets through on a new connection.
    expect((await probeTls(address, clientTls(pki, 'bob'))).ok).toBe(false);
    const alice = demoClients(address, clientTls(pki, 'alice'));
    expect((await alice.whoAmI()).commonName).toBe('alice');
    alice.close();
    writeFileSync(pki.crlFile, good);
  });
});

// The handshake guard on real TCP sockets (127.0.0.1:0), with jest's clock for its deadlines so
// each boundary is an exact millisecond, not a race: what it drops, when, and what frees a slot.
import { createServer, connect, Server, Socket } from 'node:net';
import { GuardRefusal, HandshakeGuard, HandshakeGuardLimits } from './handshake-guard';

describe('HandshakeGuard', () => {
  let server: Server;
  const sockets: Socket[] = [];
  afterEach(async () => {
    jest.useRealTimers();
    for (const s of sockets.splice(0)) s.destroy();
    await new Promise((r) => server.close(r));
  });

  /** Nothing here uses the (faked) setTimeout: waits run on setImmediate. */
  const until = async (check: () => boolean) => {
    while (!check()) await new Promise((r) => setImmediate(r));
  };

  async function guarded(limits: Partial<HandshakeGuardLimits>) {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'queueMicrotask'] });
    const refused: { port: number; code: GuardRefusal }[] = [];
    const accepted = new Map<number, Socket>();
    const guard = new HandshakeGuard(
      { helloTimeoutMs: 60_000, handshakeTimeoutMs: 60_000, maxHandshakesPerAddress: 100, ...limits },
      (raw, code) => {
        refused.push({ port: raw.remotePort!, code });
        raw.destroy();
      },
    );
    server = createServer((raw) => {
      raw.on('error', () => undefined);
      raw.resume(); // read what the peer sends, as TLS would: bytesRead counts it
      accepted.set(raw.remotePort!, raw);
      guard.accepted(raw);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    /** A client; resolves once the server has accepted it (and the guard has seen it). */
    const dial = async (): Promise<{ client: Socket; port: number; raw: Socket }> => {
      const client = connect(port, '127.0.0.1');
      client.on('error', () => undefined);
      sockets.push(client);
      await new Promise((r) => client.once('connect', r));
      const local = client.localPort!;
      await until(() => accepted.has(local));
      return { client, port: local, raw: accepted.get(local)! };
    };
    return { guard, refused, dial };
  }

  it('drops a peer that sent nothing at helloTimeoutMs, and one that sent a byte but did not finish at handshakeTimeoutMs, each at that millisecond', async () => {
    const { refused, dial } = await guarded({ helloTimeoutMs: 1_000, handshakeTimeoutMs: 5_000 });
    const silent = await dial();
    const talker = await dial();
    talker.client.write(Buffer.from([0x16]));
    await until(() => talker.raw.bytesRead === 1);
    jest.advanceTimersByTime(999);
    expect(refused).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(refused).toEqual([{ port: silent.port, code: 'ERR_TLS_HELLO_TIMEOUT' }]);
    jest.advanceTimersByTime(3_999);
    expect(refused).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(refused).toEqual([
      { port: silent.port, code: 'ERR_TLS_HELLO_TIMEOUT' },
      { port: talker.port, code: 'ERR_TLS_HANDSHAKE_TIMEOUT' },
    ]);
  });

  it('with the handshake deadline before the hello deadline, even a silent peer is dropped at the handshake deadline, once', async () => {
    const { refused, dial } = await guarded({ helloTimeoutMs: 3_000, handshakeTimeoutMs: 2_000 });
    const silent = await dial();
    jest.advanceTimersByTime(1_999);
    expect(refused).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(refused).toEqual([{ port: silent.port, code: 'ERR_TLS_HANDSHAKE_TIMEOUT' }]);
    jest.advanceTimersByTime(10_000);
    expect(refused).toHaveLength(1);
  });

  it('with both deadlines at the same millisecond, a silent peer is a hello timeout and one that spoke a handshake timeout', async () => {
    const { refused, dial } = await guarded({ helloTimeoutMs: 1_000, handshakeTimeoutMs: 1_000 });
    const silent = await dial();
    const talker = await dial();
    talker.client.write(Buffer.from([0x16]));
    await until(() => talker.raw.bytesRead === 1);
    jest.advanceTimersByTime(999);
    expect(refused).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(refused.sort((x, y) => x.port - y.port)).toEqual(
      [
        { port: silent.port, code: 'ERR_TLS_HELLO_TIMEOUT' },
        { port: talker.port, code: 'ERR_TLS_HANDSHAKE_TIMEOUT' },
      ].sort((x, y) => x.port - y.port),
    );
    jest.advanceTimersByTime(10_000);
    expect(refused).toHaveLength(2);
  });

  it('a settled peer has no deadline left and frees its slot; a closed one frees its slot; the cap counts the handshakes still pending', async () => {
    const { guard, refused, dial } = await guarded({ helloTimeoutMs: 1_000, handshakeTimeoutMs: 2_000, maxHandshakesPerAddress: 2 });
    const a = await dial();
    const b = await dial();
    const c = await dial();
    expect(refused).toEqual([{ port: c.port, code: 'TOO_MANY_HANDSHAKES_FROM_ADDRESS' }]);

    guard.settled(a.raw); // a finished its handshake: b alone is pending
    guard.settled({}); // a socket reset before its address was read: nothing to release
    guard.settled(undefined); // a TLS socket without its raw one: nothing to release, no throw
    a.client.destroy(); // a settled connection that closes later is not released a second time
    await new Promise((r) => a.raw.once('close', r));
    const d = await dial();
    const e = await dial();
    expect(refused.slice(1)).toEqual([{ port: e.port, code: 'TOO_MANY_HANDSHAKES_FROM_ADDRESS' }]);

    b.client.destroy(); // b hung up: d alone is pending
    await new Promise((r) => b.raw.once('close', r));
    const f = await dial();
    expect(refused).toHaveLength(2);

    jest.advanceTimersByTime(2_000);
    // The deadlines of d and f; none for a (settled, then closed), b (closed), or the refused c and e.
    expect(refused.slice(2).sort((x, y) => x.port - y.port)).toEqual(
      [
        { port: d.port, code: 'ERR_TLS_HELLO_TIMEOUT' },
        { port: f.port, code: 'ERR_TLS_HELLO_TIMEOUT' },
      ].sort((x, y) => x.port - y.port),
    );
    // Dropped peers freed their slots: two new handshakes fit again.
    await dial();
    await dial();
    expect(refused).toHaveLength(4);
  });

  it('settling alone (the connection stays open) frees the slot and stops both deadlines; an address with nothing pending is forgotten', async () => {
    const { guard, refused, dial } = await guarded({ helloTimeoutMs: 1_000, handshakeTimeoutMs: 2_000, maxHandshakesPerAddress: 1 });
    /** The guard's count per address: an address stays there only while it has a handshake pending. */
    const perAddress = (guard as unknown as { perAddress: Map<string, number> }).perAddress;
    const a = await dial();
    expect([...perAddress]).toEqual([['127.0.0.1', 1]]);
    guard.settled(a.raw);
    expect(perAddress.size).toBe(0);
    const b = await dial(); // the one slot is free again while a stays connected
    expect(refused).toEqual([]);
    jest.advanceTimersByTime(2_000);
    expect(refused).toEqual([{ port: b.port, code: 'ERR_TLS_HELLO_TIMEOUT' }]);
    expect(a.raw.destroyed).toBe(false);
    await new Promise((r) => b.raw.once('close', r));
    expect(perAddress.size).toBe(0);
  });
});

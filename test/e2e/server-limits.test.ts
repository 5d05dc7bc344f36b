// The HTTP/2 limits of docs/LIMITS.md as a peer sees them on the wire: a client written frame by
// frame (test/helpers/raw-h2.ts) with a real client certificate reads the server's SETTINGS,
// opens one stream more than allowed, sits idle, and watches for the server's keepalive PINGs.
// Small limits, one server for the suite. Each test fails if its grpc-js option is dropped from
// grpcOptionsOf (src/server/limits.ts): grpc-js's defaults are 2^31-1 streams, no idle timeout
// and no keepalive pings.
import { join } from 'node:path';
import { authorization, Authorization } from '../../src/authz/authorization';
import { serveDirectory } from '../../src/app/serve-directory';
import { CertrpcServer } from '../../src/server/create-server';
import { PkiDir } from '../../src/store/pki-dir';
import { demoClients } from '../helpers/calls';
import { writeOpsPolicy } from '../helpers/ops-policy';
import { clientTls, demoPki } from '../helpers/pki';
import { FRAME, grpcMessage, H2_ERROR, parseGoAway, RawH2Connection, rstCode, SETTINGS_MAX_CONCURRENT_STREAMS } from '../helpers/raw-h2';
import { tempDir } from '../helpers/temp-dir';
import { runLogger } from '../helpers/test-run';

const LIMITS = { maxConcurrentStreams: 3, idleConnectionTimeoutMs: 1000, keepaliveTimeMs: 400, keepaliveTimeoutMs: 1000 };
/** Timers never fire early by more than a millisecond or two; nothing here bounds how LATE they fire. */
const EARLY_MS = 25;
/** demo.v1.WatchRequest { prefix: "limits/" }: a call that stays open until the client goes. */
const WATCH = grpcMessage(Buffer.concat([Buffer.from([0x0a, 7]), Buffer.from('limits/')]));
/** Response HEADERS on stream id (their block is not decoded: the handler answering is what counts). */
const isResponseHeaders = (f: { type: number; streamId: number }, id: number) => f.type === FRAME.HEADERS && f.streamId === id;

describe('server limits seen from a raw HTTP/2 client', () => {
  const tmp = tempDir();
  const log = runLogger('server-limits');
  let pki: PkiDir;
  let authz: Authorization;
  let server: CertrpcServer;
  let port: number;
  const open: RawH2Connection[] = [];
  const connect = async (options: Parameters<typeof RawH2Connection.open>[2] = {}) => {
    const c = await RawH2Connection.open(port, clientTls(pki, 'alice'), options);
    open.push(c);
    return c;
  };

  beforeAll(async () => {
    pki = await demoPki(join(tmp.dir, 'certs'));
    authz = authorization({ policyFile: writeOpsPolicy(tmp.dir), logger: log.logger, audit: { mode: 'none' } });
    server = await serveDirectory({ pki, demo: true, port: 0, logger: log.logger, authorization: authz, limits: LIMITS });
    port = server.listening!.port;
  });
  afterEach(async () => {
    open.splice(0).forEach((c) => c.close());
    // Whatever a test did to its own connection, the server still serves a new one.
    const alice = demoClients(`127.0.0.1:${port}`, clientTls(pki, 'alice'), 'localhost');
    expect((await alice.whoAmI()).commonName).toBe('alice');
    alice.close();
  });
  afterAll(async () => {
    await server.shutdown(1000);
    authz.close();
    tmp.cleanup();
  });

  it(`announces SETTINGS_MAX_CONCURRENT_STREAMS = maxConcurrentStreams (${LIMITS.maxConcurrentStreams}) and refuses a stream beyond it`, async () => {
    const conn = await connect({ ackSettings: false });
    expect(conn.serverSettings.get(SETTINGS_MAX_CONCURRENT_STREAMS)).toBe(LIMITS.maxConcurrentStreams);
    const allowed = Array.from({ length: LIMITS.maxConcurrentStreams }, () => conn.request('/demo.v1.KeyValue/Watch', WATCH));
    // Each Watch is live: the handler sent its response headers, so the streams are open on the server.
    await Promise.all(allowed.map((id) => conn.waitFor((f) => isResponseHeaders(f, id), `response headers on stream ${id}`)));
    const extra = conn.request('/demo.v1.KeyValue/Watch', WATCH);
    const answer = await conn.waitFor(
      (f) =>
        (f.type === FRAME.RST_STREAM && f.streamId === extra) ||
        f.type === FRAME.GOAWAY ||
        (f.type === FRAME.HEADERS && f.streamId === extra),
      `the server's answer to stream ${extra}`,
    );
    expect({ type: answer.type, code: rstCode(answer) }).toEqual({ type: FRAME.RST_STREAM, code: H2_ERROR.REFUSED_STREAM });
    // The streams within the limit go on.
    expect(conn.frames.filter((f) => f.type === FRAME.RST_STREAM && allowed.includes(f.streamId))).toEqual([]);
    expect(conn.socket.destroyed).toBe(false);
  });

  it('ends the connection of a client that opens a stream beyond a limit it acknowledged, without serving that stream', async () => {
    const conn = await connect();
    const allowed = Array.from({ length: LIMITS.maxConcurrentStreams }, () => conn.request('/demo.v1.KeyValue/Watch', WATCH));
    await Promise.all(allowed.map((id) => conn.waitFor((f) => isResponseHeaders(f, id), `response headers on stream ${id}`)));
    const extra = conn.request('/demo.v1.KeyValue/Watch', WATCH);
    const served = conn
      .waitFor((f) => f.streamId === extra, `a frame on stream ${extra}`)
      .then(
        () => 'served',
        () => 'closed',
      );
    expect(await Promise.race([conn.closed.then(() => 'closed'), served])).toBe('closed');
    expect(conn.frames.filter((f) => f.streamId === extra)).toEqual([]);
  });

  it(`sends GOAWAY (NO_ERROR) to a connection with no call for idleConnectionTimeoutMs (${LIMITS.idleConnectionTimeoutMs} ms), not before`, async () => {
    const started = performance.now();
    const conn = await connect();
    const goaway = await conn.waitFor((f) => f.type === FRAME.GOAWAY, 'an idle GOAWAY', 10 * LIMITS.idleConnectionTimeoutMs);
    expect(parseGoAway(goaway.payload)).toEqual({ lastStreamId: 0, errorCode: H2_ERROR.NO_ERROR, debug: '' });
    expect(goaway.at - started).toBeGreaterThanOrEqual(LIMITS.idleConnectionTimeoutMs - EARLY_MS);
  });

  it(`pings a connection every keepaliveTimeMs (${LIMITS.keepaliveTimeMs} ms) while a call keeps it busy`, async () => {
    const conn = await connect();
    const watch = conn.request('/demo.v1.KeyValue/Watch', WATCH); // an open call: the idle timeout does not apply
    await conn.waitFor((f) => isResponseHeaders(f, watch), 'the Watch response headers');
    await conn.waitFor(() => conn.pingsFromServer().length >= 2, 'two keepalive PINGs from the server', 20 * LIMITS.keepaliveTimeMs);
    const [first, second] = conn.pingsFromServer();
    // The next ping is timed from the answer to the last one: never sooner than keepaliveTimeMs.
    expect(second.at - first.at).toBeGreaterThanOrEqual(LIMITS.keepaliveTimeMs - EARLY_MS);
  });

  it(`closes a connection whose peer does not answer a ping within keepaliveTimeoutMs (${LIMITS.keepaliveTimeoutMs} ms)`, async () => {
    const conn = await connect({ answerPings: false });
    const watch = conn.request('/demo.v1.KeyValue/Watch', WATCH);
    await conn.waitFor((f) => isResponseHeaders(f, watch), 'the Watch response headers');
    const ping = await conn.waitFor((f) => f.type === FRAME.PING, 'a keepalive PING', 20 * LIMITS.keepaliveTimeMs);
    const closedAt = await conn.untilClosed(10 * LIMITS.keepaliveTimeoutMs);
    expect(closedAt - ping.at).toBeGreaterThanOrEqual(LIMITS.keepaliveTimeoutMs - EARLY_MS);
    // One unanswered ping was enough: no second one was sent.
    expect(conn.pingsFromServer()).toHaveLength(1);
  });
});

import pino from 'pino';
import { Writable } from 'node:stream';
import { describeRefusal, RefusalLog } from './refusal-log';
import { RefusedHandshake } from './refusal-reasons';

function memoryLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

const refusal = (peer: string, code = 'NO_CERTIFICATE', reason = 'the client sent no certificate'): RefusedHandshake => ({
  peer,
  code,
  reason,
});

describe('RefusalLog', () => {
  it('logs each refusal up to the limit (and the first of each reason), then one summary per interval with counts by reason and peer', async () => {
    const { logger, lines } = memoryLogger();
    let now = 0;
    const log = new RefusalLog(logger, { maxLinesPerInterval: 2, intervalMs: 1000 }, () => now);
    log.record(refusal('10.0.0.1:1000'));
    log.record({ ...refusal('10.0.0.1:1001', 'CERT_HAS_EXPIRED', 'the client certificate has expired'), subject: 'CN=old' });
    for (let i = 0; i < 5; i++) log.record(refusal(`10.0.0.2:${2000 + i}`));
    for (let i = 0; i < 2; i++) log.record(refusal(`10.0.0.3:${3000 + i}`, 'CERT_REVOKED', 'the client certificate is revoked'));
    now = 1500; // the next interval: the summary comes first, then logging resumes
    log.record(refusal('10.0.0.4:4000'));
    log.close();
    await new Promise((r) => setImmediate(r));
    // Over the limit, the first revoked certificate is still logged: a new reason is never hidden.
    expect(lines.map((l) => l.event)).toEqual([
      'handshake_refused',
      'handshake_refused',
      'handshake_refused',
      'handshake_refusals_suppressed',
      'handshake_refused',
    ]);
    expect(lines[2]).toMatchObject({ code: 'CERT_REVOKED', peer: '10.0.0.3:3000' });
    expect(lines[1]).toMatchObject({
      code: 'CERT_HAS_EXPIRED',
      subject: 'CN=old',
      msg: 'refused handshake from 10.0.0.1:1001: the client certificate has expired [CERT_HAS_EXPIRED]; presented "CN=old"',
    });
    expect(lines[3]).toMatchObject({
      suppressed: 6,
      byCode: { NO_CERTIFICATE: 5, CERT_REVOKED: 1 },
      topPeers: { '10.0.0.2': 5, '10.0.0.3': 1 },
    });
    expect(lines[3].msg).toBe(
      'suppressed 6 refused handshakes (more than 2 in 1 s; the first of each reason was logged): by reason 5 NO_CERTIFICATE (the client sent no certificate), 1 CERT_REVOKED (the client certificate is revoked); top peers 10.0.0.2 (5), 10.0.0.3 (1)',
    );
  });

  it('writes the pending summary when closed, and nothing when nothing was suppressed', () => {
    const { logger, lines } = memoryLogger();
    const log = new RefusalLog(logger, { maxLinesPerInterval: 1, intervalMs: 60_000 });
    log.record(refusal('10.0.0.1:1'));
    log.close();
    expect(lines).toHaveLength(1);
    log.record(refusal('10.0.0.1:2'));
    log.record(refusal('10.0.0.1:3'));
    log.close();
    expect(lines.map((l) => l.event)).toEqual(['handshake_refused', 'handshake_refusals_suppressed']);
  });

  it('names what was presented: subject and issuer, subject alone, or no certificate', () => {
    const r = refusal('[::1]:443', 'CERT_REVOKED', 'the client certificate is revoked');
    expect(describeRefusal({ ...r, subject: 'CN=carol', issuer: 'CN=certrpc CA' })).toBe(
      'refused handshake from [::1]:443: the client certificate is revoked [CERT_REVOKED]; presented "CN=carol" issued by "CN=certrpc CA"',
    );
    expect(describeRefusal({ ...r, subject: 'CN=carol' })).toBe(
      'refused handshake from [::1]:443: the client certificate is revoked [CERT_REVOKED]; presented "CN=carol"',
    );
    expect(describeRefusal(r)).toBe(
      'refused handshake from [::1]:443: the client certificate is revoked [CERT_REVOKED]; no certificate presented',
    );
  });

  it('a new interval begins exactly intervalMs after the last one began', () => {
    const { logger, lines } = memoryLogger();
    let now = 0;
    const log = new RefusalLog(logger, { maxLinesPerInterval: 1, intervalMs: 1000 }, () => now);
    log.record(refusal('10.0.0.1:1'));
    now = 999;
    log.record(refusal('10.0.0.1:2'));
    now = 1000;
    log.record(refusal('10.0.0.1:3'));
    expect(lines.map((l) => [l.event, l.peer ?? l.suppressed])).toEqual([
      ['handshake_refused', '10.0.0.1:1'],
      ['handshake_refusals_suppressed', 1],
      ['handshake_refused', '10.0.0.1:3'],
    ]);
    log.close();
  });

  describe('with fake timers', () => {
    beforeEach(() => jest.useFakeTimers({ now: 0 }));
    afterEach(() => jest.useRealTimers());

    it('summarises when the interval ends though the flood stopped, and close() leaves no timer behind', () => {
      const { logger, lines } = memoryLogger();
      const log = new RefusalLog(logger, { maxLinesPerInterval: 1, intervalMs: 1000 }, () => Date.now());
      log.record(refusal('10.0.0.1:1'));
      jest.advanceTimersByTime(400);
      log.record(refusal('10.0.0.1:2'));
      log.record(refusal('10.0.0.1:3'));
      jest.advanceTimersByTime(599);
      expect(lines).toHaveLength(1);
      jest.advanceTimersByTime(1);
      expect(lines.map((l) => l.event)).toEqual(['handshake_refused', 'handshake_refusals_suppressed']);
      expect(lines[1]).toMatchObject({ suppressed: 2, byCode: { NO_CERTIFICATE: 2 }, topPeers: { '10.0.0.1': 2 } });
      expect(jest.getTimerCount()).toBe(0);

      jest.advanceTimersByTime(500); // t = 1500: a new interval
      log.record(refusal('10.0.0.1:4'));
      log.record(refusal('10.0.0.1:5'));
      expect(jest.getTimerCount()).toBe(1);
      log.close();
      expect(jest.getTimerCount()).toBe(0);
      jest.advanceTimersByTime(5000);
      expect(lines.map((l) => l.event)).toEqual([
        'handshake_refused',
        'handshake_refusals_suppressed',
        'handshake_refused',
        'handshake_refusals_suppressed',
      ]);
    });
  });

  it('orders the summary by count: reasons, and the top 5 peers by address without the port (IPv6 too)', () => {
    const { logger, lines } = memoryLogger();
    const log = new RefusalLog(logger, { maxLinesPerInterval: 0, intervalMs: 60_000 });
    for (const code of ['A', 'C', 'B']) log.record(refusal('10.9.9.9:1', code, `reason ${code}`)); // the first of each: logged
    const flood: [string, string, number][] = [
      ['10.0.0.1', 'A', 1],
      ['10.0.0.2', 'C', 2],
      ['10.0.0.3', 'B', 3],
      ['10.0.0.4', 'A', 4],
      ['[fd00:1::5]', 'B', 5],
      ['10.0.0.6', 'C', 7],
    ];
    for (const [host, code, n] of flood) for (let i = 0; i < n; i++) log.record(refusal(`${host}:${1000 + i}`, code, `reason ${code}`));
    log.close();
    expect(lines).toHaveLength(4);
    const summary = lines[3];
    expect(Object.entries(summary.byCode as object)).toEqual([
      ['C', 9],
      ['B', 8],
      ['A', 5],
    ]);
    expect(Object.entries(summary.topPeers as object)).toEqual([
      ['10.0.0.6', 7],
      ['[fd00:1::5]', 5],
      ['10.0.0.4', 4],
      ['10.0.0.3', 3],
      ['10.0.0.2', 2],
    ]);
    expect(summary.msg).toBe(
      'suppressed 22 refused handshakes (more than 0 in 60 s; the first of each reason was logged): by reason 9 C (reason C), 8 B (reason B), 5 A (reason A); top peers 10.0.0.6 (7), [fd00:1::5] (5), 10.0.0.4 (4), 10.0.0.3 (3), 10.0.0.2 (2)',
    );
  });

  it('tracks at most 1000 peer addresses per interval; those already tracked go on counting', () => {
    const { logger, lines } = memoryLogger();
    const log = new RefusalLog(logger, { maxLinesPerInterval: 0, intervalMs: 60_000 });
    log.record(refusal('10.9.9.9:1'));
    for (let i = 0; i < 1000; i++) log.record(refusal(`10.1.${i >> 8}.${i & 255}:1`));
    for (let i = 0; i < 10; i++) log.record(refusal(`10.2.0.1:${i}`)); // the 1001st address: counted, not tracked
    for (let i = 0; i < 3; i++) log.record(refusal(`10.1.0.7:${i}`));
    log.close();
    expect(lines[1]).toMatchObject({ suppressed: 1013, byCode: { NO_CERTIFICATE: 1013 } });
    expect(Object.entries(lines[1].topPeers as object)).toEqual([
      ['10.1.0.7', 4],
      ['10.1.0.0', 1],
      ['10.1.0.1', 1],
      ['10.1.0.2', 1],
      ['10.1.0.3', 1],
    ]);
  });
});

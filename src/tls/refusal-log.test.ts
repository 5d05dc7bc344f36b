import pino from 'pino';
import { Writable } from 'node:stream';
import { RefusalLog } from './refusal-log';
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
});

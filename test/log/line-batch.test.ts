// Audit lines are written behind the calls: queued as data, written in one write within
// maxDelayMs (at once when maxPending wait), none lost on exit or an uncaught exception, at most
// the queued ones on SIGKILL; each line keeps the shape pino gave it (same keys, same order).
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { AuditRecord, auditLine } from '../../src/authz/audit-log';
import { LineBatch } from '../../src/log/line-batch';
import { tempDir } from '../helpers/temp-dir';

const record: AuditRecord = {
  peer: '127.0.0.1:5000',
  cn: 'bob "the builder"',
  spiffeId: 'spiffe://certrpc.demo/user/bob',
  serial: '1a2b',
  fingerprint: 'AB:CD',
  roles: ['reader'],
  method: '/demo.v1.KeyValue/Put',
  decision: 'deny',
  rule: null,
  reason: 'role-not-allowed',
  code: 7,
  policy: 'demo',
  generation: 3,
};

const text = (entry: string) => `${entry}\n`;

it('writes queued entries behind the caller, all in one write, within maxDelayMs', async () => {
  const writes: string[] = [];
  const batch = new LineBatch<string>(text, (t) => writes.push(t), { maxDelayMs: 5 });
  batch.push('a');
  batch.push('b');
  batch.push('c');
  expect(writes).toEqual([]); // nothing on the caller's path
  expect(batch.size).toBe(3);
  // A timer set after the batch's, for longer: Node runs it after the batch's write.
  await new Promise((resolve) => setTimeout(resolve, 6));
  expect(writes).toEqual(['a\nb\nc\n']);
  batch.push('d');
  await new Promise((resolve) => setTimeout(resolve, 6));
  expect(writes).toEqual(['a\nb\nc\n', 'd\n']);
});

it('bounds what waits: at maxPending entries the caller writes them at once (a slow disk slows the caller, drops nothing)', () => {
  const writes: string[] = [];
  const batch = new LineBatch<string>(text, (t) => writes.push(t), { maxDelayMs: 60_000, maxPending: 3 });
  batch.push('a');
  batch.push('b');
  expect(writes).toEqual([]);
  batch.push('c');
  expect(writes).toEqual(['a\nb\nc\n']);
  expect(batch.size).toBe(0);
  batch.flush();
});

it('flush() writes what is pending at once, and the timer then has nothing left to repeat', async () => {
  const writes: string[] = [];
  const batch = new LineBatch<string>(text, (t) => writes.push(t), { maxDelayMs: 1 });
  batch.push('x');
  batch.flush();
  expect(writes).toEqual(['x\n']);
  await new Promise((resolve) => setTimeout(resolve, 2));
  expect(writes).toEqual(['x\n']);
});

it('stamps each entry when it is queued, not when it is written', () => {
  const times: number[] = [];
  const batch = new LineBatch<string>(
    (_e, time) => (times.push(time), ''),
    () => undefined,
    { maxDelayMs: 60_000 },
  );
  const before = Date.now();
  batch.push('a');
  const after = Date.now();
  batch.flush();
  expect(times[0]).toBeGreaterThanOrEqual(before);
  expect(times[0]).toBeLessThanOrEqual(after);
});

it('formats an audit line as pino did: same keys in the same order, same values, valid JSON', () => {
  let pinoLine = '';
  const sink = new Writable({ write: (chunk, _enc, done) => ((pinoLine += String(chunk)), done()) });
  pino({ name: 'certrpc-audit', level: 'info', base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, sink).info(
    record,
    'authorization decision',
  );
  const ours = JSON.parse(auditLine(record, new Date('2030-01-02T03:04:05.006Z')));
  const theirs = JSON.parse(pinoLine);
  expect(Object.keys(ours)).toEqual(Object.keys(theirs));
  expect({ ...ours, time: 'T' }).toEqual({ ...theirs, time: 'T' });
  expect(ours.time).toBe('2030-01-02T03:04:05.006Z');
  expect(auditLine(record).endsWith('}\n')).toBe(true);
});

it('loses no audit line when the process exits in the same run that decided (compiled dist/, built by npm test)', () => {
  const tmp = tempDir();
  try {
    const file = join(tmp.dir, 'audit', 'decisions.log');
    const auditLog = join(__dirname, '..', '..', 'dist', 'authz', 'audit-log.js');
    const script = `const { openAuditSink } = require(${JSON.stringify(auditLog)});
      const sink = openAuditSink(${JSON.stringify(file)});
      const record = ${JSON.stringify(record)};
      for (let i = 0; i < 3; i++) sink.write({ ...record, generation: i });
      process.exit(3);`;
    expect(() => execFileSync(process.execPath, ['-e', script], { stdio: 'pipe' })).toThrow(expect.objectContaining({ status: 3 }));
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { generation: number });
    expect(lines.map((l) => l.generation)).toEqual([0, 1, 2]);
  } finally {
    tmp.cleanup();
  }
});

describe('a process that dies with lines queued (compiled dist/, built by npm test)', () => {
  const auditLog = join(__dirname, '..', '..', 'dist', 'authz', 'audit-log.js');
  const run = (file: string, body: string) =>
    spawnSync(
      process.execPath,
      [
        '-e',
        `const { openAuditSink } = require(${JSON.stringify(auditLog)});
      const sink = openAuditSink(${JSON.stringify(file)}, { maxDelayMs: 60000 });
      const record = ${JSON.stringify(record)};
      ${body}`,
      ],
      { encoding: 'utf8' },
    );
  const generations = (file: string) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { generation: number }).generation);

  it('an uncaught exception: the exit hook writes every queued line', () => {
    const tmp = tempDir();
    try {
      const file = join(tmp.dir, 'audit.log');
      const child = run(
        file,
        `for (let i = 0; i < 5; i++) sink.write({ ...record, generation: i }); setImmediate(() => { throw new Error('boom'); });`,
      );
      expect(child.status).toBe(1);
      expect(child.stderr).toContain('boom');
      expect(generations(file)).toEqual([0, 1, 2, 3, 4]);
    } finally {
      tmp.cleanup();
    }
  });

  it('SIGKILL: the lines written before are whole, the ones still queued (at most maxDelayMs of them) are lost', () => {
    const tmp = tempDir();
    try {
      const file = join(tmp.dir, 'audit.log');
      // Lines 0-2 written (flush, as the timer would), 3-4 still queued when the kill lands.
      const child = run(
        file,
        `for (let i = 0; i < 3; i++) sink.write({ ...record, generation: i }); sink.flush();
        for (let i = 3; i < 5; i++) sink.write({ ...record, generation: i }); process.kill(process.pid, 'SIGKILL');`,
      );
      expect(child.signal).toBe('SIGKILL');
      expect(readFileSync(file, 'utf8').endsWith('\n')).toBe(true);
      expect(generations(file)).toEqual([0, 1, 2]);
    } finally {
      tmp.cleanup();
    }
  });
});

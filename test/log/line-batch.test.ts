// Audit lines are batched per event-loop run: one write for the run, before the loop moves on,
// none lost on exit; and each line keeps the shape pino gave it (same keys, same order).
import { execFileSync } from 'node:child_process';
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

it('writes the lines of one synchronous run in one write, in order, before the next event-loop turn', async () => {
  const writes: string[] = [];
  const batch = new LineBatch((text) => writes.push(text));
  batch.push('a\n');
  batch.push('b\n');
  batch.push('c\n');
  expect(writes).toEqual([]);
  await new Promise((resolve) => setImmediate(resolve));
  expect(writes).toEqual(['a\nb\nc\n']);
  batch.push('d\n');
  await new Promise((resolve) => setImmediate(resolve));
  expect(writes).toEqual(['a\nb\nc\n', 'd\n']);
});

it('flush() writes what is pending at once, and the scheduled write then has nothing left to repeat', async () => {
  const writes: string[] = [];
  const batch = new LineBatch((text) => writes.push(text));
  batch.push('x\n');
  batch.flush();
  expect(writes).toEqual(['x\n']);
  await new Promise((resolve) => setImmediate(resolve));
  expect(writes).toEqual(['x\n']);
});

it('formats an audit line as pino did: same keys in the same order, same values, valid JSON', () => {
  let pinoLine = '';
  const sink = new Writable({ write: (chunk, _enc, done) => ((pinoLine += String(chunk)), done()) });
  pino({ name: 'certrpc-audit', level: 'info', base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, sink).info(record, 'authorization decision');
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
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { generation: number });
    expect(lines.map((l) => l.generation)).toEqual([0, 1, 2]);
  } finally {
    tmp.cleanup();
  }
});

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { Writable } from 'node:stream';
import { eventually } from '../../test/helpers/eventually';
import { tempDir } from '../../test/helpers/temp-dir';
import { FileReloader } from './file-reloader';

/** A logger whose JSON lines land in an array. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk))), done()) });
  return { logger: pino({ level: 'info' }, stream), lines };
}

describe('FileReloader: read, validate, swap, keep the last good, log once', () => {
  const tmp = tempDir();
  const a = join(tmp.dir, 'a.json');
  const b = join(tmp.dir, 'b.json');
  let reloader: FileReloader<number> | undefined;
  afterEach(() => reloader?.close());
  afterAll(() => tmp.cleanup());

  /** Valid when both files hold the same number: a "pair" like a certificate and its key. */
  const start = async (logger: pino.Logger, applied: number[] = [], options: { settleMs?: number; loads?: { count: number } } = {}) => {
    writeFileSync(a, '1');
    writeFileSync(b, '1');
    reloader = await FileReloader.start({
      what: 'test pair',
      files: [a, b],
      load: () => {
        if (options.loads) options.loads.count += 1;
        const [x, y] = [a, b].map((f) => JSON.parse(readFileSync(f, 'utf8')) as number);
        if (x !== y) throw new Error(`mismatch ${x} != ${y}`);
        return x;
      },
      apply: (v) => applied.push(v),
      logger,
      debounceMs: 30,
      settleMs: options.settleMs ?? 300,
      intervalMs: 0,
    });
    return reloader;
  };

  it('swaps in a valid change and says so', async () => {
    const { logger, lines } = capture();
    const applied: number[] = [];
    const r = await start(logger, applied);
    expect(r.current).toBe(1);
    const next = r.nextReload();
    writeFileSync(a, '2');
    writeFileSync(b, '2');
    expect(await next).toEqual({ ok: true, version: 2 });
    expect(r.current).toBe(2);
    expect(applied).toEqual([2]);
    expect(lines.filter((l) => l.event === 'reloaded')).toHaveLength(1);
  });

  it('keeps the last good value on a broken change and logs each distinct problem once', async () => {
    const { logger, lines } = capture();
    const r = await start(logger);
    let next = r.nextReload();
    writeFileSync(a, '{broken');
    const refused = await next;
    expect(refused.ok).toBe(false);
    expect(refused.error).toMatch(/JSON/);
    expect(r.current).toBe(1);
    next = r.nextReload();
    writeFileSync(a, '"unterminated'); // another problem: logged
    await next;
    next = r.nextReload();
    writeFileSync(a, '"unterminatex'); // the same problem: not logged again
    await next;
    const errors = lines.filter((l) => l.event === 'reload_refused');
    expect(errors).toHaveLength(2);
    expect(String(errors[0].msg)).toMatch(/test pair change refused; the last good one stays in force/);
    expect(r.current).toBe(1);
  });

  it('does not report a pair caught half-written if the second file follows', async () => {
    const { logger, lines } = capture();
    // A settle time longer than the test: the only way to version 2 is the second file's own reload.
    const loads = { count: 0 };
    const r = await start(logger, [], { settleMs: 60_000, loads });
    const next = r.nextReload();
    writeFileSync(a, '3');
    // Wait until the half-written pair has been read and refused (silently): then write the other half.
    await eventually(() => loads.count === 2, 'the reloader to read the half-written pair');
    expect(r.current).toBe(1);
    writeFileSync(b, '3');
    expect(await next).toEqual({ ok: true, version: 2 });
    expect(r.current).toBe(3);
    expect(loads.count).toBe(3);
    expect(lines.filter((l) => l.event === 'reload_refused')).toEqual([]);
  });

  it('startSync: a synchronous loader is in force on return; reloaded() is told once the new value is current', async () => {
    writeFileSync(a, '5');
    const seen: [number, number, number][] = [];
    const sync: FileReloader<number> = FileReloader.startSync({
      what: 'test value',
      files: [a],
      load: (inForce) => (inForce ?? 0) * 100 + (JSON.parse(readFileSync(a, 'utf8')) as number),
      reloaded: (value, version) => seen.push([value, version, sync.current]),
      debounceMs: 30,
      intervalMs: 0,
    });
    reloader = sync;
    expect(sync.current).toBe(5);
    const next = sync.nextReload();
    writeFileSync(a, '6');
    expect(await next).toEqual({ ok: true, version: 2 });
    expect(seen).toEqual([[506, 2, 506]]);
    expect(() =>
      FileReloader.startSync({ what: 'async', files: [a], load: (() => Promise.resolve(1)) as unknown as () => number }),
    ).toThrow(/synchronous/);
  });
});

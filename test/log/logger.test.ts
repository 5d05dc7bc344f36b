// certrpc's logger writes pino's lines without pino (src/log/logger.ts says why): the same calls
// through both give the same JSON, key for key and in the same order, but for the time.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createLogger, jsonLogger, Logger, LogLevel, silentLogger } from '../../src/log/logger';

const withoutTime = (line: string) => line.replace(/"time":"[^"]+"/, '"time":"T"');

/** The lines certrpc's logger and a pino logger configured as certrpc's was write for `calls`. */
function bothWrite(level: LogLevel, calls: (logger: Logger) => void): { ours: string[]; theirs: string[] } {
  const ours: string[] = [];
  const theirs: string[] = [];
  calls(jsonLogger(level, `"pid":${process.pid},"name":"certrpc"`, (line) => ours.push(withoutTime(line))));
  const reference = pino(
    {
      name: 'certrpc',
      level,
      redact: { paths: ['*.keyPem', '*.privateKey', '*.key', 'keyPem', 'privateKey'], censor: '[redacted]' },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    { write: (line: string) => void theirs.push(withoutTime(line)) },
  );
  calls(reference);
  return { ours, theirs };
}

describe("certrpc's logger writes pino's lines", () => {
  it('messages, fields, child bindings, levels and an error, as pino writes them', () => {
    const failure = Object.assign(new Error('disk full'), { code: 'ENOSPC' });
    const { ours, theirs } = bothWrite('info', (log) => {
      log.info('plain message');
      log.info({ event: 'reload', generation: 3, roles: ['a', 'b'], nested: { ok: true } }, 'with fields');
      log.warn({ n: 1 });
      log.error({ err: failure, method: '/demo.v1.Echo/Say' }, 'a stage failed');
      log.error(failure);
      log.child({ source: 'grpc-js' }).warn('from grpc-js');
      log.child({ a: 1 }).child({ b: 2 }).info({ c: 3 }, 'two children');
      log.fatal({ when: new Date(0), gone: undefined }, 'types');
      log.debug('below the level');
      log.trace({ x: 1 }, 'below the level');
    });
    expect(ours).toHaveLength(8);
    expect(ours).toEqual(theirs);
  });

  it('key material under the names pino redacts is censored, at the top and one level down', () => {
    const { ours, theirs } = bothWrite('info', (log) => {
      log.info({ keyPem: 'PEM', privateKey: 'K', tls: { key: 'K', keyPem: 'PEM', cert: 'C' } }, 'material');
      log.child({ keyPem: 'PEM' }).info('bound');
    });
    expect(ours).toEqual(theirs);
    expect(ours.join('')).not.toMatch(/"PEM"|"K"/);
    expect(ours[0]).toContain('"cert":"C"');
  });

  it('each level filters as pino does', () => {
    for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as LogLevel[]) {
      const { ours, theirs } = bothWrite(level, (log) => {
        for (const method of ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const) log[method](method);
      });
      expect(ours).toEqual(theirs);
    }
  });
});

describe("what pino's lines would not survive", () => {
  it('a cycle or a bigint in the fields is written, never thrown from the log call', () => {
    const lines: string[] = [];
    const log = jsonLogger('info', '"name":"t"', (line) => lines.push(line));
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    log.info({ cyclic, serial: 2n ** 70n, shared: [cyclic.name, cyclic.name] }, 'odd fields');
    const parsed = JSON.parse(lines[0]) as Record<string, unknown>;
    // One level down is a copy (redaction copies it), so the cycle shows one step later, as in pino's lines.
    expect(parsed.cyclic).toEqual({ name: 'loop', self: { name: 'loop', self: '[Circular]' } });
    expect(parsed.serial).toBe('1180591620717411303424');
    expect(parsed.msg).toBe('odd fields');
  });
});

describe('createLogger and silentLogger', () => {
  it('createLogger writes whole lines to a file, at its level, named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'certrpc-logger-'));
    try {
      const file = join(dir, 'log.jsonl');
      const log = createLogger({ level: 'warn', name: 'certrpc-test', destination: file });
      log.info('not written');
      log.warn({ event: 'x' }, 'written');
      log.flush();
      const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0])).toEqual({
        level: 40,
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        pid: process.pid,
        name: 'certrpc-test',
        event: 'x',
        msg: 'written',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an unknown level (CERTRPC_LOG_LEVEL, say) is refused by name', () => {
    expect(() => createLogger({ level: 'verbose' as LogLevel })).toThrow(
      'log level "verbose" is not one of fatal, error, warn, info, debug, trace, silent',
    );
  });

  it('silentLogger writes nothing and its children are silent', () => {
    const write = jest.spyOn(process.stderr, 'write');
    try {
      silentLogger.error('nothing');
      silentLogger.child({ a: 1 }).fatal({ b: 2 }, 'nothing');
      expect(write).not.toHaveBeenCalled();
      expect(silentLogger.child({}).level).toBe('silent');
    } finally {
      write.mockRestore();
    }
  });
});

// certrpc's logs: one JSON object per line on stderr (stdout belongs to command output such as the
// "listening on" line), in pino's line format: {"level":30,"time":ISO,"pid":..,"name":..,
// ...bindings, ...fields,"msg":..}, pino's level numbers, its `err` serializer and the same
// redaction paths. Any pino logger is a Logger too: applications pass their own.
//
// Why not pino itself: a serving process's old generation decides its GC cost (V8 starts
// incremental marking above 8 MB, and a streaming server above it pays for marking on every
// message: docs/BENCHMARKS.md, "Heap and GC"). pino held 0.56 MB of it (29 modules) to do what these
// lines need; certrpc writes its audit lines by hand for the same reason. The writer is still
// pino's own, sonic-boom (synchronous writes that survive EAGAIN on a pipe and partial writes), and
// test/log/logger.test.ts holds the lines to pino's for the same calls.
import SonicBoom from 'sonic-boom';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** pino's level numbers (what a log pipeline that reads pino's lines filters on). */
const LEVEL_NUMBER: Record<LogLevel, number> = { fatal: 60, error: 50, warn: 40, info: 30, debug: 20, trace: 10, silent: Infinity };

export interface LogFn {
  (msg: string): void;
  (fields: object, msg?: string): void;
}

/** What certrpc logs through: pino's methods, so a pino logger (or one shaped like it) fits. */
export interface Logger {
  level: string;
  fatal: LogFn;
  error: LogFn;
  warn: LogFn;
  info: LogFn;
  debug: LogFn;
  trace: LogFn;
  child(bindings: Record<string, unknown>): Logger;
}

/** A logger of certrpc's own, writing to a file descriptor or path. */
export interface JsonLogger extends Logger {
  child(bindings: Record<string, unknown>): JsonLogger;
  /** Writes are synchronous: this only waits for anything the writer still holds. */
  flush(): void;
}

/** Key names whose values are key material: a safety net, key material is never passed to a logger. */
const SECRET_KEYS = new Set(['keyPem', 'privateKey']);
/** One level down, `key` too (pino's `*.key`): `{ tls: { key } }`. */
const NESTED_SECRET_KEYS = new Set(['keyPem', 'privateKey', 'key']);
const CENSOR = '[redacted]';

const noop = (): void => {};

/** Logs nothing, loads nothing: the default of every library entry that takes a logger. */
export const silentLogger: Logger = {
  level: 'silent',
  fatal: noop,
  error: noop,
  warn: noop,
  info: noop,
  debug: noop,
  trace: noop,
  child: () => silentLogger,
};

export function createLogger(options: { level?: LogLevel; name?: string; destination?: number | string } = {}): JsonLogger {
  const level = options.level ?? (process.env.CERTRPC_LOG_LEVEL as LogLevel | undefined) ?? 'info';
  if (!(level in LEVEL_NUMBER)) throw new TypeError(`log level "${level}" is not one of ${LOG_LEVELS.join(', ')}`);
  const destination = options.destination ?? 2;
  const stream = new SonicBoom(typeof destination === 'number' ? { fd: destination, sync: true } : { dest: destination, sync: true });
  const name = options.name ?? 'certrpc';
  return jsonLogger(
    level,
    `"pid":${process.pid},"name":${JSON.stringify(name)}`,
    (line) => stream.write(line),
    () => stream.flushSync(),
  );
}

/** A logger whose lines go to `write`; `head` is the bindings' JSON text (without braces). */
export function jsonLogger(level: LogLevel, head: string, write: (line: string) => void, flush: () => void = noop): JsonLogger {
  const threshold = LEVEL_NUMBER[level];
  const method = (lvl: LogLevel): LogFn => {
    const number = LEVEL_NUMBER[lvl];
    if (number < threshold) return noop;
    const start = `{"level":${number},"time":"`;
    return (first: object | string, msg?: string) => write(`${start}${new Date().toISOString()}",${head}${fieldsText(first, msg)}}\n`);
  };
  return {
    level,
    fatal: method('fatal'),
    error: method('error'),
    warn: method('warn'),
    info: method('info'),
    debug: method('debug'),
    trace: method('trace'),
    child: (bindings) => jsonLogger(level, head + objectText(redacted(bindings)), write, flush),
    flush,
  };
}

/** `,"field":value...,"msg":..`: what follows the bindings. */
function fieldsText(first: object | string, msg?: string): string {
  if (typeof first === 'string') return `,"msg":${JSON.stringify(first)}`;
  // pino: an Error alone is logged as { err } with its message.
  if (first instanceof Error) return `,"err":${safeJson(serializedError(first))},"msg":${JSON.stringify(msg ?? first.message)}`;
  const fields = redacted(first as Record<string, unknown>);
  if (fields.err instanceof Error) fields.err = serializedError(fields.err);
  return objectText(fields) + (msg === undefined ? '' : `,"msg":${JSON.stringify(msg)}`);
}

/** `,"a":1,"b":2` for { a: 1, b: 2 } (keys whose value JSON omits are left out, as JSON does). */
function objectText(fields: Record<string, unknown>): string {
  const text = safeJson(fields);
  return text.length > 2 ? `,${text.slice(1, -1)}` : '';
}

function redacted(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (SECRET_KEYS.has(key)) out[key] = CENSOR;
    else if (
      value !== null &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      !(value instanceof Error) &&
      !(value instanceof Date)
    ) {
      const inner: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) inner[k] = NESTED_SECRET_KEYS.has(k) ? CENSOR : v;
      out[key] = inner;
    } else out[key] = value;
  }
  return out;
}

/** pino's `err` serializer: type, message, stack and the error's own fields (a `code`, say). */
function serializedError(err: Error): Record<string, unknown> {
  const own: Record<string, unknown> = { type: err.constructor?.name ?? 'Error', message: err.message, stack: err.stack };
  return Object.assign(own, err);
}

/** JSON that never throws from a log call: a cycle becomes "[Circular]", a bigint its digits. */
function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  } catch {
    const ancestors: object[] = [];
    return JSON.stringify(value, function (this: unknown, _key, v: unknown) {
      if (typeof v === 'bigint') return v.toString();
      if (v === null || typeof v !== 'object') return v;
      // `this` is the object holding v: drop the ancestors we have left.
      while (ancestors.length > 0 && ancestors[ancestors.length - 1] !== this) ancestors.pop();
      if (ancestors.includes(v)) return '[Circular]';
      ancestors.push(v);
      return v;
    });
  }
}

import pino, { Logger } from 'pino';

export type { Logger };
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * certrpc's logs: JSON lines on stderr (stdout belongs to command output such as the
 * "listening on" line). Redaction is a safety net; key material is never passed to a logger.
 */
export function createLogger(options: { level?: LogLevel; name?: string; destination?: number | string } = {}): Logger {
  return pino(
    {
      name: options.name ?? 'certrpc',
      level: options.level ?? (process.env.CERTRPC_LOG_LEVEL as LogLevel | undefined) ?? 'info',
      redact: { paths: ['*.keyPem', '*.privateKey', '*.key', 'keyPem', 'privateKey'], censor: '[redacted]' },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    pino.destination({ dest: options.destination ?? 2, sync: true }),
  );
}

export const silentLogger: Logger = pino({ level: 'silent' });

// The operational side of `certrpc serve`: --config FILE (flags override it), --limit, --metrics
// and --shutdown-grace. Kept apart from serve.ts so that file stays a list of flags and one flow.
import { Command } from 'commander';
import type * as ServeConfigModule from '../config/serve-config';
import type { ConfigFlag } from '../config/serve-config';
import { parseDuration, QuantityError } from '../text/quantities';
import { parseLimitAssignment } from '../server/limit-values';
import { parseMetricsAddress } from '../metrics/metrics-address';
import { LIMIT_NAMES, ServerLimits } from '../server/limits';
import { UsageError } from './exit-codes';

export const DEFAULT_SHUTDOWN_GRACE = '10s';

export interface OperationsSettings {
  limits: Partial<ServerLimits>;
  /** Where /metrics listens; undefined: no metrics endpoint. */
  metrics?: { host: string; port: number };
  shutdownGraceMs: number;
  /** The config file read, if any. */
  configFile?: string;
}

export function addOperationsOptions(cmd: Command): Command {
  return cmd
    .option(
      '--config <file>',
      'YAML file with any of these flags in camelCase (auditFile: ...), listen: HOST:PORT and limits:; flags given here override it',
    )
    .option(
      '--limit <name=value>',
      `override one limit (repeatable), e.g. --limit maxConnections=200 --limit handshakeTimeoutMs=5s; names: ${LIMIT_NAMES.join(', ')} (docs/LIMITS.md)`,
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option(
      '--metrics <[host:]port>',
      'serve Prometheus metrics over plain HTTP at http://HOST:PORT/metrics; a bare port binds 127.0.0.1, :0 picks a free port',
    )
    .option(
      '--shutdown-grace <duration>',
      'on SIGTERM/SIGINT, how long calls in flight may run before they are ended with UNAVAILABLE',
      DEFAULT_SHUTDOWN_GRACE,
    );
}

/** Reads --config (if given) into the options that were not set on the command line. */
export function applyConfigFile(cmd: Command): string | undefined {
  const file = cmd.opts().config as string | undefined;
  if (!file) return undefined;
  // The config's YAML parser and schemas (zod) only with --config: a server keeps what it loads.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { CONFIG_FIELDS, loadServeConfig } = require('../config/serve-config') as typeof ServeConfigModule;
  const config = loadServeConfig(file);
  for (const [key, value] of Object.entries(config.flags) as [ConfigFlag, string | string[] | boolean][]) {
    if (!(key in CONFIG_FIELDS) || cmd.getOptionValueSource(key) === 'cli') continue;
    cmd.setOptionValueWithSource(key, value, 'config');
  }
  // --limit NAME=VALUE on the command line wins over limits: in the file, name by name.
  const fromFile = Object.entries(config.limits).map(([name, value]) => `${name}=${value}`);
  cmd.setOptionValueWithSource('limit', [...fromFile, ...((cmd.opts().limit as string[] | undefined) ?? [])], 'config');
  return file;
}

/** Parses --limit, --metrics and --shutdown-grace; bad values are usage errors naming the flag. */
export function operationsSettings(
  opts: { limit?: string[]; metrics?: string; shutdownGrace: string },
  configFile?: string,
): OperationsSettings {
  const limits: Partial<ServerLimits> = {};
  for (const assignment of opts.limit ?? []) {
    const { name, value } = flagValue('--limit', assignment, () => parseLimitAssignment(assignment));
    limits[name] = value;
  }
  const metrics =
    opts.metrics === undefined
      ? undefined
      : flagValue(
          '--metrics',
          opts.metrics,
          () => parseMetricsAddress(String(opts.metrics)),
          'give a port (9464 binds 127.0.0.1:9464), :0 for a free port, or HOST:PORT',
        );
  const shutdownGraceMs = flagValue('--shutdown-grace', opts.shutdownGrace, () => parseDuration(opts.shutdownGrace));
  return { limits, metrics, shutdownGraceMs, configFile };
}

function flagValue<T>(flag: string, value: string, parse: () => T, fallbackFix?: string): T {
  try {
    return parse();
  } catch (err) {
    const fix = err instanceof QuantityError ? err.fix : fallbackFix;
    throw new UsageError(`bad ${flag} "${value}": ${(err as Error).message}`, fix);
  }
}

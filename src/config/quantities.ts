// Durations and sizes as people write them ("10s", "500ms", "4MiB"), for flags and the config
// file alike, and the limit values of limits.ts in their own unit.
import { LIMIT_NAMES, LimitName, LIMITS } from '../server/limits';

/** A value that cannot be read, with what to write instead. */
export class QuantityError extends Error {
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message);
    this.name = 'QuantityError';
  }
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };
const SIZE_UNITS: Record<string, number> = { b: 1, kib: 1024, kb: 1000, mib: 1024 ** 2, mb: 1000 ** 2, gib: 1024 ** 3, gb: 1000 ** 3 };

function parseWithUnit(value: string | number, units: Record<string, number>, bareUnit: number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value * bareUnit) : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  if (!m) return undefined;
  const unit = m[2] === '' ? bareUnit : units[m[2].toLowerCase()];
  return unit === undefined ? undefined : Math.round(Number(m[1]) * unit);
}

/** "10s", "500ms", "2m", "1h", "30d"; a bare number is in `bare` units (seconds by default). */
export function parseDuration(value: string | number, bare: 'ms' | 's' = 's'): number {
  const ms = parseWithUnit(value, DURATION_UNITS, DURATION_UNITS[bare]);
  if (ms === undefined) throw new QuantityError(`"${value}" is not a duration`, `write a number with a unit: 500ms, 10s, 2m, 1h or 30d (a bare number is in ${bare === 's' ? 'seconds' : 'milliseconds'})`);
  return ms;
}

/** "4MiB", "64KiB", "1000"; a bare number is bytes. */
export function parseByteSize(value: string | number): number {
  const bytes = parseWithUnit(value, SIZE_UNITS, 1);
  if (bytes === undefined) throw new QuantityError(`"${value}" is not a size`, 'write bytes, or a number with a unit: 64KiB, 4MiB (KB/MB are powers of 1000)');
  return bytes;
}

export function isLimitName(name: string): name is LimitName {
  return (LIMIT_NAMES as string[]).includes(name);
}

/** A limit's value in its unit (bytes, ms, count); durations in *Ms limits may carry a unit ("5s"). */
export function parseLimitValue(name: string, value: string | number): { name: LimitName; value: number } {
  if (!isLimitName(name)) throw new QuantityError(`unknown limit "${name}"`, `use one of: ${LIMIT_NAMES.join(', ')} (see docs/LIMITS.md)`);
  const unit = LIMITS[name].unit;
  let n: number;
  if (unit === 'ms') n = parseDuration(value, 'ms');
  else if (unit === 'bytes') n = parseByteSize(value);
  else if (typeof value === 'number' ? Number.isInteger(value) && value >= 0 : /^\s*\d+\s*$/.test(value)) n = Number(value);
  else throw new QuantityError(`"${value}" is not a whole number`, `give ${name} as a count, e.g. ${LIMITS[name].default}`);
  if (n <= 0 && name !== 'maxPingStrikes') throw new QuantityError(`${name} must be more than 0`, `give a positive value (default ${LIMITS[name].default})`);
  return { name, value: n };
}

/** "NAME=VALUE" as given to --limit. */
export function parseLimitAssignment(text: string): { name: LimitName; value: number } {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new QuantityError(`"${text}" is not NAME=VALUE`, `write e.g. --limit maxConnections=200 (limits: ${LIMIT_NAMES.join(', ')})`);
  return parseLimitValue(text.slice(0, eq).trim(), text.slice(eq + 1).trim());
}

// Durations and sizes as people write them ("10s", "500ms", "30d", "4MiB"): THE parser for every
// flag and config key that takes one. What a bare number means is the flag's or key's documented
// unit (`--days 90`: days; `--max-time 1.5`: seconds; `handshakeTimeoutMs=500`: milliseconds).
import { CertrpcError } from '../errors/certrpc-error';

/** A value that cannot be read, with what to write instead. */
export class QuantityError extends CertrpcError {
  declare readonly fix: string;

  constructor(message: string, fix: string, option?: string) {
    super(message, { code: 'BAD_QUANTITY', fix, option });
  }
}

const DAY_MS = 86_400_000;
const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: DAY_MS, w: 7 * DAY_MS };
const SIZE_UNITS: Record<string, number> = { b: 1, kib: 1024, kb: 1000, mib: 1024 ** 2, mb: 1000 ** 2, gib: 1024 ** 3, gb: 1000 ** 3 };

/** The unit of a bare number. */
export type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd';
const UNIT_WORDS: Record<DurationUnit, string> = { ms: 'milliseconds', s: 'seconds', m: 'minutes', h: 'hours', d: 'days' };

export interface DurationRules {
  /** What a bare number ("30") is in: the unit the flag or key documents. Default seconds. */
  bare?: DurationUnit;
  /** Inclusive bounds, in milliseconds. */
  min?: number;
  max?: number;
  /** The option it is the value of (CLI code may pass its flag): the error names it. */
  option?: string;
}

function parseWithUnit(value: string | number, units: Record<string, number>, bareUnit: number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value * bareUnit) : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  if (!m) return undefined;
  const unit = m[2] === '' ? bareUnit : units[m[2].toLowerCase()];
  return unit === undefined ? undefined : Math.round(Number(m[1]) * unit);
}

/** Several parts, each with its unit, largest first as Go and step write them: "1h15m", "1d12h". */
function parseCompound(value: string): number | undefined {
  const text = value.trim();
  const part = /(\d+(?:\.\d+)?)(ms|min|[smhdw])/giy;
  let total = 0;
  let parts = 0;
  while (part.lastIndex < text.length) {
    const m = part.exec(text);
    if (!m) return undefined;
    total += Number(m[1]) * DURATION_UNITS[m[2].toLowerCase()];
    parts++;
  }
  return parts > 1 ? Math.round(total) : undefined;
}

/** "10s", "500ms", "2m", "1h", "30d", "2w", "1h15m" -> milliseconds; a bare number is in `bare` units (seconds unless the option documents another). */
export function parseDuration(value: string | number, rules: DurationUnit | DurationRules = 's'): number {
  const { bare = 's', min = 0, max = Infinity, option } = typeof rules === 'string' ? { bare: rules } : rules;
  const ms = parseWithUnit(value, DURATION_UNITS, DURATION_UNITS[bare]) ?? (typeof value === 'string' ? parseCompound(value) : undefined);
  if (ms === undefined) {
    throw new QuantityError(
      `"${value}" is not a duration`,
      `write a number with a unit: 500ms, 10s, 2m, 1h, 30d or 2w, or several (1h15m) (a bare number is in ${UNIT_WORDS[bare]})`,
      option,
    );
  }
  if (ms < min || ms > max)
    throw new QuantityError(`"${value}" is ${ms < min ? 'too short' : 'too long'}`, `give ${rangeText(min, max)}`, option);
  return ms;
}

/** A whole number of days: "90", "90d", "13w" (bare numbers are days) -> days, within [min, max] days. */
export function parseDays(value: string | number, rules: { min?: number; max?: number; option?: string } = {}): number {
  const { min = 1, max = 36500, option } = rules;
  const fix = `write whole days between ${min} and ${max}: e.g. 90, 90d or 13w`;
  let ms: number;
  try {
    ms = parseDuration(value, { bare: 'd', option });
  } catch {
    throw new QuantityError(`"${value}" is not a number of days`, fix, option);
  }
  if (ms % DAY_MS !== 0) throw new QuantityError(`"${value}" is not a whole number of days`, fix, option);
  const days = ms / DAY_MS;
  if (days < min || days > max) throw new QuantityError(`"${value}" is not between ${min} and ${max} days`, fix, option);
  return days;
}

/** "4MiB", "64KiB", "1000"; a bare number is bytes. */
export function parseByteSize(value: string | number): number {
  const bytes = parseWithUnit(value, SIZE_UNITS, 1);
  if (bytes === undefined)
    throw new QuantityError(`"${value}" is not a size`, 'write bytes, or a number with a unit: 64KiB, 4MiB (KB/MB are powers of 1000)');
  return bytes;
}

/** A duration the way this parser reads it back: the largest unit up to days that divides it ("30d", "10s", "1500ms"). */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const)
    if (ms !== 0 && ms % DURATION_UNITS[unit] === 0) return `${ms / DURATION_UNITS[unit]}${unit}`;
  return `${ms}ms`;
}

/** A span as people read it, to the second, at most three parts largest first: 90061000 -> "1d 1h 1m" (a time left, in messages). */
export function formatApproxDuration(ms: number): string {
  const parts: string[] = [];
  let left = Math.abs(Math.round(ms / 1000));
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (left >= size || (unit === 's' && parts.length === 0)) parts.push(`${Math.floor(left / size)}${unit}`);
    left %= size;
  }
  return parts.slice(0, 3).join(' ');
}

function rangeText(min: number, max: number): string {
  if (max === Infinity) return `at least ${formatDuration(min)}`;
  return min > 0 ? `between ${formatDuration(min)} and ${formatDuration(max)}` : `at most ${formatDuration(max)}`;
}

// Durations and sizes as people write them ("10s", "500ms", "4MiB"), for flags and files alike.
import { CertrpcError } from '../errors/certrpc-error';

/** A value that cannot be read, with what to write instead. */
export class QuantityError extends CertrpcError {
  declare readonly fix: string;

  constructor(message: string, fix: string, option?: string) {
    super(message, { code: 'BAD_QUANTITY', fix, option });
  }
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const SIZE_UNITS: Record<string, number> = { b: 1, kib: 1024, kb: 1000, mib: 1024 ** 2, mb: 1000 ** 2, gib: 1024 ** 3, gb: 1000 ** 3 };

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

/** "10s", "500ms", "2m", "1h", "30d", "2w", "1h15m"; a bare number is in `bare` units (seconds by default). */
export function parseDuration(value: string | number, bare: 'ms' | 's' = 's'): number {
  const ms = parseWithUnit(value, DURATION_UNITS, DURATION_UNITS[bare]) ?? (typeof value === 'string' ? parseCompound(value) : undefined);
  if (ms === undefined) throw new QuantityError(`"${value}" is not a duration`, `write a number with a unit: 500ms, 10s, 2m, 1h, 30d or 2w, or several (1h15m) (a bare number is in ${bare === 's' ? 'seconds' : 'milliseconds'})`);
  return ms;
}

/** "4MiB", "64KiB", "1000"; a bare number is bytes. */
export function parseByteSize(value: string | number): number {
  const bytes = parseWithUnit(value, SIZE_UNITS, 1);
  if (bytes === undefined) throw new QuantityError(`"${value}" is not a size`, 'write bytes, or a number with a unit: 64KiB, 4MiB (KB/MB are powers of 1000)');
  return bytes;
}

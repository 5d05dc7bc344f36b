import { parseDuration, QuantityError } from '../text/quantities';
import { UsageError } from './exit-codes';

/** A duration flag ("24h", "30s", "30d") through the one duration parser, with its bounds; a bad value is a usage error naming the flag. */
export function parseDurationFlag(value: string, flag: string, bounds: { minMs?: number; maxMs?: number; minText?: string; maxText?: string } = {}): number {
  let ms: number;
  try {
    ms = parseDuration(value);
  } catch (err) {
    throw new UsageError(`bad ${flag} "${value}": ${(err as Error).message}`, err instanceof QuantityError ? err.fix : undefined);
  }
  if (bounds.minMs !== undefined && ms < bounds.minMs) throw new UsageError(`bad ${flag} "${value}": at least ${bounds.minText ?? `${bounds.minMs} ms`}`, `e.g. ${flag} ${bounds.minText ?? '10s'}`);
  if (bounds.maxMs !== undefined && ms > bounds.maxMs) throw new UsageError(`bad ${flag} "${value}": at most ${bounds.maxText ?? `${bounds.maxMs} ms`}`, `e.g. ${flag} ${bounds.maxText ?? '24h'}`);
  return ms;
}

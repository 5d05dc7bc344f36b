// Limit values as people write them, in the unit of each limit of limits.ts: `--limit NAME=VALUE`
// and the `limits:` map of a serve config.
import { parseByteSize, parseDuration, QuantityError } from '../text/quantities';
import { LIMIT_NAMES, LimitName, LIMITS } from './limits';

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
  if (n <= 0 && name !== 'maxPingStrikes')
    throw new QuantityError(`${name} must be more than 0`, `give a positive value (default ${LIMITS[name].default})`);
  return { name, value: n };
}

/** "NAME=VALUE", one limit's assignment. */
export function parseLimitAssignment(text: string): { name: LimitName; value: number } {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new QuantityError(`"${text}" is not NAME=VALUE`, `write e.g. maxConnections=200 (limits: ${LIMIT_NAMES.join(', ')})`);
  return parseLimitValue(text.slice(0, eq).trim(), text.slice(eq + 1).trim());
}

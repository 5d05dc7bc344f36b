import { formatApproxDuration, formatDuration, parseByteSize, parseDays, parseDuration, QuantityError } from './quantities';

describe('quantities', () => {
  it('reads durations with units; bare numbers in the given unit', () => {
    expect(parseDuration('10s')).toBe(10_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('30d')).toBe(30 * 86_400_000);
    expect(parseDuration('2w')).toBe(14 * 86_400_000);
    expect(parseDuration('24h')).toBe(86_400_000);
    expect(parseDuration('3')).toBe(3000);
    expect(parseDuration('3', 'ms')).toBe(3);
    expect(parseDuration('1.5', { bare: 's' })).toBe(1500);
    expect(parseDuration(1.5)).toBe(1500);
    expect(() => parseDuration('ten seconds')).toThrow(QuantityError);
    expect(() => parseDuration('-1s')).toThrow(/not a duration/);
    expect(() => parseDuration('5 fortnights')).toThrow(/not a duration/);
  });

  it('checks bounds and names the option in the error', () => {
    expect(() => parseDuration('0', { min: 1, option: '--max-time' })).toThrow(
      expect.objectContaining({ option: '--max-time', message: '"0" is too short', fix: 'give at least 1ms' }),
    );
    expect(() => parseDuration('2h', { max: 3_600_000 })).toThrow(
      expect.objectContaining({ message: '"2h" is too long', fix: 'give at most 1h' }),
    );
  });

  it('reads whole days: bare numbers are days, d and w units too', () => {
    expect(parseDays('90')).toBe(90);
    expect(parseDays('90d')).toBe(90);
    expect(parseDays('13w')).toBe(91);
    expect(parseDays(30)).toBe(30);
    expect(parseDays('0', { min: 0 })).toBe(0);
    expect(() => parseDays('0')).toThrow(/"0" is not between 1 and 36500 days/);
    expect(() => parseDays('3651', { max: 3650, option: 'crlDays' })).toThrow(
      expect.objectContaining({ option: 'crlDays', message: '"3651" is not between 1 and 3650 days' }),
    );
    expect(() => parseDays('36h')).toThrow(/not a whole number of days/);
    expect(() => parseDays('1.5')).toThrow(/not a whole number of days/);
    expect(() => parseDays('soon', { option: 'days' })).toThrow(
      expect.objectContaining({
        option: 'days',
        message: '"soon" is not a number of days',
        fix: 'write whole days between 1 and 36500: e.g. 90, 90d or 13w',
      }),
    );
  });

  it('writes a duration back the way it reads', () => {
    expect(['1ms', '1500ms', '10s', '2m', '1h', '30d', '2w', '0s'].map((d) => formatDuration(parseDuration(d)))).toEqual([
      '1ms',
      '1500ms',
      '10s',
      '2m',
      '1h',
      '30d',
      '14d',
      '0ms',
    ]);
  });

  it('reads days, weeks and several parts largest first (certificate lifetimes, step\'s "1h15m")', () => {
    expect(parseDuration('30d')).toBe(30 * 86_400_000);
    expect(parseDuration('2w')).toBe(14 * 86_400_000);
    expect(parseDuration('1h15m')).toBe(75 * 60_000);
    expect(parseDuration('1d12h')).toBe(36 * 3_600_000);
    expect(parseDuration('1m30s500ms')).toBe(90_500);
    for (const bad of ['1h15', '15 1h', 'h1', '1h-5m', '1y', '1h 15m', '']) expect(() => parseDuration(bad)).toThrow(QuantityError);
  });

  it('holds several parts to the same bounds and names the same option as one part', () => {
    expect(parseDuration('1h15m', { min: 60_000, max: 2 * 3_600_000 })).toBe(75 * 60_000);
    expect(() => parseDuration('2h30m', { max: 2 * 3_600_000, option: 'lifetime' })).toThrow(
      expect.objectContaining({ option: 'lifetime', message: '"2h30m" is too long' }),
    );
    expect(parseDays('1w3d')).toBe(10);
    expect(() => parseDays('1d12h')).toThrow(/not a whole number of days/);
  });

  it('writes a time left as people read it: to the second, three parts at most', () => {
    expect(formatApproxDuration(90_061_000)).toBe('1d 1h 1m');
    expect(formatApproxDuration(-(8 * 86_400_000 + 23 * 3_600_000 + 5 * 60_000 + 7000))).toBe('8d 23h 5m');
    expect(formatApproxDuration(1499)).toBe('1s');
    expect(formatApproxDuration(0)).toBe('0s');
  });

  it('reads sizes in bytes, KiB, MiB', () => {
    expect(parseByteSize('64KiB')).toBe(65536);
    expect(parseByteSize('4MiB')).toBe(4 * 1024 * 1024);
    expect(parseByteSize('1000')).toBe(1000);
    expect(() => parseByteSize('4 parsecs')).toThrow(/not a size/);
  });
});

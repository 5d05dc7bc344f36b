import { parseByteSize, parseDuration, QuantityError } from './quantities';

describe('quantities', () => {
  it('reads durations with units; bare numbers in the given unit', () => {
    expect(parseDuration('10s')).toBe(10_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('24h')).toBe(86_400_000);
    expect(parseDuration('30d')).toBe(30 * 86_400_000);
    expect(parseDuration('3')).toBe(3000);
    expect(parseDuration('3', 'ms')).toBe(3);
    expect(parseDuration(1.5)).toBe(1500);
    expect(() => parseDuration('ten seconds')).toThrow(QuantityError);
  });

  it('reads days, weeks and several parts largest first (certificate lifetimes, step\'s "1h15m")', () => {
    expect(parseDuration('30d')).toBe(30 * 86_400_000);
    expect(parseDuration('2w')).toBe(14 * 86_400_000);
    expect(parseDuration('1h15m')).toBe(75 * 60_000);
    expect(parseDuration('1d12h')).toBe(36 * 3_600_000);
    expect(parseDuration('1m30s500ms')).toBe(90_500);
    for (const bad of ['1h15', '15 1h', 'h1', '1h-5m', '1y', '1h 15m', '']) expect(() => parseDuration(bad)).toThrow(QuantityError);
  });

  it('reads sizes in bytes, KiB, MiB', () => {
    expect(parseByteSize('64KiB')).toBe(65536);
    expect(parseByteSize('4MiB')).toBe(4 * 1024 * 1024);
    expect(parseByteSize('1000')).toBe(1000);
    expect(() => parseByteSize('4 parsecs')).toThrow(/not a size/);
  });
});

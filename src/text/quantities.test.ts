import { parseByteSize, parseDuration, QuantityError } from './quantities';

describe('quantities', () => {
  it('reads durations with units; bare numbers in the given unit', () => {
    expect(parseDuration('10s')).toBe(10_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('3')).toBe(3000);
    expect(parseDuration('3', 'ms')).toBe(3);
    expect(parseDuration(1.5)).toBe(1500);
    expect(() => parseDuration('ten seconds')).toThrow(QuantityError);
  });

  it('reads sizes in bytes, KiB, MiB', () => {
    expect(parseByteSize('64KiB')).toBe(65536);
    expect(parseByteSize('4MiB')).toBe(4 * 1024 * 1024);
    expect(parseByteSize('1000')).toBe(1000);
    expect(() => parseByteSize('4 parsecs')).toThrow(/not a size/);
  });
});

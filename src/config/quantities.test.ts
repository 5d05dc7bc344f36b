import { parseByteSize, parseDuration, parseLimitAssignment, QuantityError } from './quantities';

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

  it('reads sizes in bytes, KiB, MiB', () => {
    expect(parseByteSize('64KiB')).toBe(65536);
    expect(parseByteSize('4MiB')).toBe(4 * 1024 * 1024);
    expect(parseByteSize('1000')).toBe(1000);
    expect(() => parseByteSize('4 parsecs')).toThrow(/not a size/);
  });

  it('reads --limit NAME=VALUE in the unit of the limit, and names the limits on a typo', () => {
    expect(parseLimitAssignment('handshakeTimeoutMs=1s')).toEqual({ name: 'handshakeTimeoutMs', value: 1000 });
    expect(parseLimitAssignment('maxReceiveMessageBytes=64KiB')).toEqual({ name: 'maxReceiveMessageBytes', value: 65536 });
    expect(parseLimitAssignment('maxConnections=20')).toEqual({ name: 'maxConnections', value: 20 });
    expect(() => parseLimitAssignment('maxConnections=2.5')).toThrow(/whole number/);
    expect(() => parseLimitAssignment('maxConnections=0')).toThrow(/more than 0/);
    const err = (() => {
      try {
        parseLimitAssignment('maxConnection=20');
      } catch (e) {
        return e as QuantityError;
      }
    })();
    expect(err?.message).toBe('unknown limit "maxConnection"');
    expect(err?.fix).toMatch(/maxConnections/);
    expect(() => parseLimitAssignment('maxConnections')).toThrow(/NAME=VALUE/);
  });
});

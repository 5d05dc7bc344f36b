// Validity windows: days for certificates issued by hand, a lifetime for short-lived ones (agents),
// and the lifetime read back from a certificate (renewal at 2/3 of it).
import { lifetimeOf, validityFor, validityForLifetime } from './validity';

const now = new Date('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(now.getTime() + ms);

describe('validityForLifetime', () => {
  it('back-dates by a tenth of the lifetime, at most a minute', () => {
    expect(validityForLifetime(1000, now)).toEqual({ notBefore: at(-100), notAfter: at(1000) });
    expect(validityForLifetime(10_000, now)).toEqual({ notBefore: at(-1000), notAfter: at(10_000) });
    expect(validityForLifetime(599_990, now)).toEqual({ notBefore: at(-59_999), notAfter: at(599_990) });
    expect(validityForLifetime(600_000, now)).toEqual({ notBefore: at(-60_000), notAfter: at(600_000) });
    expect(validityForLifetime(86_400_000, now)).toEqual({ notBefore: at(-60_000), notAfter: at(86_400_000) });
  });

  it('refuses a lifetime under a second, or not a number, naming the option and the fix', () => {
    for (const ms of [999, 0, -1, NaN, Infinity]) {
      expect(() => validityForLifetime(ms, now)).toThrow(
        expect.objectContaining({
          option: 'lifetime',
          fix: 'give a duration of at least 1s, e.g. 24h',
          message: expect.stringContaining(`${ms}`),
        }),
      );
    }
  });

  it('uses the current time when none is given', () => {
    const before = Date.now();
    const { notAfter } = validityForLifetime(5000);
    expect(notAfter.getTime()).toBeGreaterThanOrEqual(before + 5000);
    expect(notAfter.getTime()).toBeLessThanOrEqual(Date.now() + 5000);
  });
});

describe('lifetimeOf', () => {
  it('undoes the back-dating of both, on each side of the one-minute cap', () => {
    for (const ms of [1000, 10_000, 123_450, 599_990, 600_000, 600_001, 3_600_000, 86_400_000]) {
      const { notBefore, notAfter } = validityForLifetime(ms, now);
      expect(lifetimeOf(notBefore, notAfter)).toBe(ms);
    }
    for (const days of [1, 90]) {
      const { notBefore, notAfter } = validityFor(days, now);
      expect(lifetimeOf(notBefore, notAfter)).toBe(days * 86_400_000);
    }
  });
});

describe('validityFor', () => {
  it('refuses days outside 1..36500 with its code, option and fix', () => {
    expect(() => validityFor(0, now)).toThrow(
      expect.objectContaining({ option: 'days', code: 'DAYS', fix: expect.stringContaining('36500') }),
    );
    const { notAfter } = validityFor(1);
    expect(Math.abs(notAfter.getTime() - (Date.now() + 86_400_000))).toBeLessThan(60_000);
  });
});

import { lifeStart, renewalTime } from './renewal-schedule';

describe('when the agent renews', () => {
  const now = new Date('2026-05-01T12:00:00Z');
  const at = (ms: number) => new Date(now.getTime() + ms);

  it("counts a certificate's life from when this host received it, not from a backdated notBefore (step-ca: a minute)", () => {
    // A 10 s step-ca certificate: notBefore a minute back, notAfter 10 s ahead, received now.
    const start = lifeStart(at(-60_000), now, now);
    expect(start).toEqual(now);
    const due = renewalTime(start, at(10_000), () => 0.5);
    expect(due.getTime() - now.getTime()).toBeCloseTo(6_667, -1); // 2/3 of the 10 s it really lives
    // Counted from notBefore, it would have been due 13 s before it was issued: renewed at once, again and again.
    expect(renewalTime(at(-60_000), at(10_000), () => 0.5).getTime()).toBeLessThan(now.getTime());
  });

  it('never starts the life before notBefore nor after now (clocks that jumped)', () => {
    expect(lifeStart(at(-1000), at(-3_600_000), now)).toEqual(at(-1000));
    expect(lifeStart(at(-1000), at(3_600_000), now)).toEqual(now);
    expect(lifeStart(at(-1000), undefined, now)).toEqual(at(-1000));
  });
});

import { a43Matcher, StepCounter, wildcardMatcher } from './wildcard';

describe('wildcard patterns (certrpc YAML, no segments)', () => {
  it.each([
    ['alice', 'alice', true],
    ['alice', 'alice2', false],
    ['svc-*.prod', 'svc-billing.prod', true],
    ['svc-*.prod', 'svc-.prod', true],
    ['svc-*.prod', 'svc-billingXprod', false],
    ['spiffe://corp/ns/billing/*', 'spiffe://corp/ns/billing/sa/api', true],
    ['spiffe://corp/ns/billing/*', 'spiffe://corp/ns/payroll/sa/api', false],
    ['*.corp', 'db.corp', true],
    ['*.corp', 'db.corp.evil', false],
    ['*', 'anything', true],
    ['*', '', false],
    ['a*b*c', 'aXXbYYc', true],
    ['a*b*c', 'aXXbYY', false],
    ['a*b*c', 'abc', true],
    ['a*a', 'a', false],
    ['a*a', 'aa', true],
    ['*ab*ab*', 'xabyab', true],
    ['*abab*', 'xababa', true],
    ['*aab*', 'aaaab', true],
    ['*-*-*-eu', 'a-b-c-eu', true],
    ['*-*-*-eu', 'a-b-c-d-eu', true],
    ['*-*-*-eu', 'a-b-eu', false],
    ['**', 'x', true],
    ['a.c', 'abc', false],
    // Anchored at both ends: a prefix pattern never matches in the middle of a value.
    ['svc-*', 'evil-svc-x', false],
    ['*-svc', 'a-svc-evil', false],
  ])('%s vs %s -> %s', (pattern, value, expected) => {
    expect(wildcardMatcher(pattern)(value)).toBe(expected);
  });

  it('folds case when asked (DNS names)', () => {
    expect(wildcardMatcher('*.Corp', { ignoreCase: true })('DB.corp')).toBe(true);
    expect(wildcardMatcher('*.Corp')('DB.corp')).toBe(false);
  });
});

describe('segments: what * never crosses in certrpc YAML', () => {
  it.each([
    // DNS: one label, like TLS wildcards.
    ['dns', '*.corp', 'db.corp', true],
    ['dns', '*.corp', 'a.db.corp', false],
    ['dns', '*.*.corp', 'a.db.corp', true],
    ['dns', 'corp.*', 'corp.com', true],
    ['dns', 'corp.*', 'corp.evil.com', false],
    ['dns', 'svc-*.corp', 'svc-a.corp', true],
    ['dns', '*', 'a.b.c', true],
    // CN: neither "." nor "/".
    ['cn', 'svc-*.prod', 'svc-db.prod', true],
    ['cn', 'svc-*.prod', 'svc-db.evil.prod', false],
    ['cn', 'svc-*', 'svc-db/admin', false],
    // URI and SPIFFE: one path segment; a final "/*" is the whole subtree.
    ['path', 'spiffe://corp/ns/*/sa/reader', 'spiffe://corp/ns/billing/sa/reader', true],
    ['path', 'spiffe://corp/ns/*/sa/reader', 'spiffe://corp/ns/a/b/sa/reader', false],
    ['path', 'spiffe://corp/ns/billing/*', 'spiffe://corp/ns/billing/sa/api', true],
    ['path', 'spiffe://corp/ns/billing/*', 'spiffe://corp/ns/billing', false],
    ['path', 'spiffe://corp/ns/billing/*', 'spiffe://corp/ns/billingX/sa', false],
    ['path', 'spiffe://*/ns/billing/*', 'spiffe://corp/ns/billing/x', true],
    ['path', 'spiffe://*/ns/billing/*', 'spiffe://a/b/ns/billing/x', false],
    ['path', 'https://id.corp/*-svc', 'https://id.corp/web-svc', true],
    ['path', 'https://id.corp/*-svc', 'https://id.corp/a/web-svc', false],
    // Email: the local part is free (dots too), the domain is matched label by label.
    ['email', '*@corp.com', 'first.last@corp.com', true],
    ['email', '*@corp.com', 'a@x.corp.com', false],
    ['email', '*@corp.com', 'a@b@corp.com', false],
    ['email', 'ops@*.corp.com', 'ops@eu.corp.com', true],
    ['email', 'ops@corp.*', 'ops@corp.evil.com', false],
  ] as const)('%s: %s vs %s -> %s', (segments, pattern, value, expected) => {
    expect(wildcardMatcher(pattern, { segments })(value)).toBe(expected);
  });
});

describe('linear time: matching costs O(pattern + value) steps, counted', () => {
  const hostile = [
    ['*-*-*-eu', '-'.repeat(2000)],
    ['*-*-*-*-*-*-eu', '-'.repeat(2000)],
    ['*a*a*a*a*a*a*b', 'a'.repeat(5000)],
    [`*${'a'.repeat(50)}b*`, 'a'.repeat(5000)],
    [`*${'ab'.repeat(20)}c*d`, 'ab'.repeat(3000)],
  ] as const;

  it.each(hostile)('%s against a hostile value of its own kind stays within 3 x (n + m) steps', (pattern, value) => {
    for (const segments of ['none', 'dns', 'cn', 'path', 'email'] as const) {
      const steps: StepCounter = { count: 0 };
      expect(wildcardMatcher(pattern, { segments, steps })(value)).toBe(false);
      expect(steps.count).toBeLessThanOrEqual(3 * (value.length + pattern.length));
    }
  });

  it('a long value made of many labels is no more expensive (DNS segments)', () => {
    const steps: StepCounter = { count: 0 };
    const value = Array.from({ length: 500 }, () => 'a-a-a').join('.');
    expect(wildcardMatcher('*-*-*-eu.*', { segments: 'dns', steps })(value)).toBe(false);
    expect(steps.count).toBeLessThanOrEqual(3 * value.length);
  });

  it('steps grow linearly: twice the value, at most about twice the steps', () => {
    const count = (n: number) => {
      const steps: StepCounter = { count: 0 };
      wildcardMatcher('*-*-*-eu', { steps })('-'.repeat(n));
      return steps.count;
    };
    expect(count(4000)).toBeLessThanOrEqual(2 * count(2000) + 10);
  });
});

describe('gRFC A43 patterns, as grpc-go translates them', () => {
  it.each([
    ['*', 'x', true],
    ['*', '', false],
    ['abc*', 'abc', true],
    ['abc*', 'abcd', true],
    ['abc*', 'xabc', false],
    ['*abc', 'xabc', true],
    ['*abc', 'abcx', false],
    ['', '', true],
    // Only a whole value, a prefix or a suffix: a * elsewhere is a literal character.
    ['/pkg.*/foo', '/pkg.svc/foo', false],
    ['/pkg.*/foo', '/pkg.*/foo', true],
    ['a*b', 'a*b', true],
    ['a*b', 'axb', false],
    // Go's order: "*abc*" is the prefix "*abc" (the leading * literal), "**" the prefix "*".
    ['*abc*', '*abcd', true],
    ['*abc*', 'xabcd', false],
    ['**', '*x', true],
    ['**', 'x', false],
    // Prefix and suffix cross "/" and "." (A43 has no segments), and case matters.
    ['spiffe://foo.com/*', 'spiffe://foo.com/a/b', true],
    ['*.foo.com', 'a.b.foo.com', true],
    ['*.foo.com', 'A.FOO.COM', false],
  ])('%s vs %s -> %s', (pattern, value, expected) => {
    expect(a43Matcher(pattern)(value)).toBe(expected);
  });
});

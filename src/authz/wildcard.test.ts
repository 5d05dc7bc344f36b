import { wildcardMatcher } from './wildcard';

describe('wildcard patterns', () => {
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
    ['a.c', 'abc', false],
  ])('%s vs %s -> %s', (pattern, value, expected) => {
    expect(wildcardMatcher(pattern)(value)).toBe(expected);
  });

  it('folds case when asked (DNS names)', () => {
    expect(wildcardMatcher('*.Corp', { ignoreCase: true })('DB.corp')).toBe(true);
    expect(wildcardMatcher('*.Corp')('DB.corp')).toBe(false);
  });
});

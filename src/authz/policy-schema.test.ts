// The certrpc YAML schema: method patterns, principal entries (one field, SPIFFE IDs, issuer
// bindings), what a rule must say, and the keys suggested for a misspelt one.
import { certrpcPolicyFromDocument } from './certrpc-policy';
import { certrpcAllowedKeys, methodPatternProblem, PRINCIPAL_KEYS } from './policy-schema';
import { PathIssue } from '../text/schema-issues';

const issuesOf = (doc: unknown): PathIssue[] => {
  const result = certrpcPolicyFromDocument(doc, 'p.yaml');
  return 'issues' in result ? result.issues : [];
};
const principalIssues = (entry: object) => issuesOf({ roles: { r: [{ cn: 'ok' }, entry] }, rules: [] });
const ruleIssues = (rule: object) => issuesOf({ rules: [{ roles: ['*'], ...rule }] });

describe('method patterns', () => {
  it.each(['*', '/a/B', '/a.B/C', '/pkg.v1.Svc_2/Method_3', '/_a._b/*'])('%s is a method pattern', (p) =>
    expect(methodPatternProblem(p)).toBeUndefined(),
  );

  it.each([
    ['a.B/C', /lacks the leading "\/"/],
    ['a.B/*', /lacks the leading "\/"/],
    ['/a.B/C*', /"\*" may only stand/],
    ['/a.*/C', /"\*" may only stand/],
    ['**', /"\*" may only stand/],
    ['/a.B', /no "\/" between/],
    ['/a.B/C/D', /is not a method pattern/],
    ['/1a.B/C', /is not a method pattern/],
    ['/a..B/C', /is not a method pattern/],
    ['/a.B/', /is not a method pattern/],
    ['', /is not a method pattern/],
    ['/a.B/C ', /is not a method pattern/],
    [' /a.B/C', /is not a method pattern/],
  ])('%j: %s', (p, why) => {
    const problem = methodPatternProblem(p);
    expect(problem).toMatch(why);
    expect(problem).toContain(`"${p}"`);
  });

  it('a bad method in a rule is refused at its path with the three valid forms', () => {
    const [issue] = ruleIssues({ methods: ['/a.B/C', 'a.B/C'] });
    expect(issue).toMatchObject({ path: ['rules', 0, 'methods', 1] });
    expect(issue.fix).toMatch(/\/package\.Service\/Method.*\/package\.Service\/\*.*"\*"/);
  });
});

describe('principal entries', () => {
  it('name exactly one certificate field', () => {
    const [none] = principalIssues({ issuer: 'CN=CA' });
    expect(none).toMatchObject({ path: ['roles', 'r', 1] });
    expect(none.message).toMatch(/no certificate field/);
    expect(none.fix).toContain(PRINCIPAL_KEYS.join(', '));
    const [two] = principalIssues({ cn: 'a', uri: 'u://x', email: 'e@x' });
    expect(two.message).toContain('cn and uri and email');
    for (const key of PRINCIPAL_KEYS) expect(principalIssues({ [key]: key === 'spiffe' ? 'spiffe://x/y' : 'v' })).toEqual([]);
  });

  it('a spiffe entry must be a SPIFFE ID', () => {
    const [issue] = principalIssues({ spiffe: 'corp/ns/x' });
    expect(issue).toMatchObject({ path: ['roles', 'r', 1, 'spiffe'] });
    expect(issue.message).toContain('"corp/ns/x"');
    expect(issue.fix).toMatch(/spiffe:\/\//);
    expect(principalIssues({ uri: 'corp/ns/x' })).toEqual([]);
  });

  it.each(['CN=certrpc *', 'not a name', `CN=${'a'.repeat(1030)}`])('issuer %j is not a CA subject', (issuer) => {
    const issues = principalIssues({ cn: 'a', issuer });
    expect(issues).toEqual([expect.objectContaining({ path: ['roles', 'r', 1, 'issuer'] })]);
    expect(issues[0].fix).toMatch(/cert inspect/);
  });

  it('an issuer at the length bound, written as certrpc prints it, is accepted', () => {
    const cn = 'a'.repeat(1024 - 'CN='.length);
    expect(principalIssues({ cn: 'a', issuer: `CN=${cn}` })).toEqual([]);
    expect(principalIssues({ cn: 'a', issuer: 'CN=Demo CA, O=Acme' })).toEqual([]);
  });

  it('issuerFingerprint must be a SHA-256 fingerprint', () => {
    const issues = principalIssues({ cn: 'a', issuerFingerprint: 'AB:CD' });
    expect(issues).toEqual([expect.objectContaining({ path: ['roles', 'r', 1, 'issuerFingerprint'] })]);
    expect(issues[0].fix).toMatch(/cert inspect/);
    expect(principalIssues({ cn: 'a', issuerFingerprint: 'ab'.repeat(32) })).toEqual([]);
  });
});

describe('rules', () => {
  it('must say what they are about', () => {
    const [issue] = ruleIssues({});
    expect(issue).toMatchObject({ path: ['rules', 0] });
    expect(issue.fix).toMatch(/methods:.*connect:/);
  });

  it('say one kind of thing', () => {
    const issues = ruleIssues({ methods: ['*'], connect: ['*'] });
    expect(issues).toEqual([expect.objectContaining({ path: ['rules', 0] })]);
    expect(issues[0].message).toContain('methods and connect');
  });

  it('header conditions are for method rules only', () => {
    const issues = ruleIssues({ connect: ['db:5432'], headers: { 'x-a': 'b' } });
    expect(issues).toEqual([expect.objectContaining({ path: ['rules', 0, 'headers'] })]);
    expect(issues[0].fix).toMatch(/remove headers:/);
  });

  it('a bad connect target is refused at its path with the forms that work', () => {
    const [issue] = ruleIssues({ connect: ['db:5432', 'db'] });
    expect(issue).toMatchObject({ path: ['rules', 0, 'connect', 1] });
    expect(issue.fix).toMatch(/HOST:PORT/);
    expect(ruleIssues({ connect: ['db:5432', '10.0.0.0/24:*', '*'] })).toEqual([]);
  });

  it.each([
    ['a rule for no role', { rules: [{ roles: [], methods: ['*'] }] }, ['rules', 0, 'roles']],
    ['an empty role name', { rules: [{ roles: [''], methods: ['*'] }] }, ['rules', 0, 'roles', 0]],
    ['no methods', { rules: [{ roles: ['*'], methods: [] }] }, ['rules', 0, 'methods']],
    ['no connect targets', { rules: [{ roles: ['*'], connect: [] }] }, ['rules', 0, 'connect']],
    ['an empty rule name', { rules: [{ name: '', roles: ['*'], methods: ['*'] }] }, ['rules', 0, 'name']],
    ['an unknown effect', { rules: [{ effect: 'permit', roles: ['*'], methods: ['*'] }] }, ['rules', 0, 'effect']],
    ['a header with no values', { rules: [{ roles: ['*'], methods: ['*'], headers: { 'x-a': [] } }] }, ['rules', 0, 'headers', 'x-a']],
    [
      'an empty header value in a list',
      { rules: [{ roles: ['*'], methods: ['*'], headers: { 'x-a': [''] } }] },
      ['rules', 0, 'headers', 'x-a'],
    ],
    ['an empty policy name', { name: '', rules: [] }, ['name']],
    ['an empty audit destination', { audit: { destination: '' }, rules: [] }, ['audit', 'destination']],
    ['no rules', { roles: {} }, ['rules']],
    ['an empty principal value', { roles: { r: [{ cn: '' }] }, rules: [] }, ['roles', 'r', 0, 'cn']],
  ])('%s is refused', (_what, doc, path) => {
    const issues = issuesOf(doc);
    expect(issues.length).toBeGreaterThan(0);
    expect(issues[0].path.slice(0, path.length)).toEqual(path);
  });

  it('only version 1 is known', () => {
    expect(issuesOf({ version: 2, rules: [] })).toEqual([expect.objectContaining({ path: ['version'] })]);
    expect(issuesOf({ version: 1, rules: [] })).toEqual([]);
  });
});

describe('the keys suggested for a misspelt one', () => {
  it.each([
    [[], ['version', 'name', 'audit', 'roles', 'rules']],
    [['audit'], ['log', 'destination']],
    [
      ['rules', 0],
      ['name', 'effect', 'roles', 'methods', 'headers', 'connect'],
    ],
    [
      ['roles', 'admin', 0],
      [...PRINCIPAL_KEYS, 'issuer', 'issuerFingerprint'],
    ],
  ])('at %j', (path, keys) => expect(certrpcAllowedKeys(path)).toEqual(keys));

  it.each([[['roles']], [['rules']], [['rules', 0, 'headers']], [['audit', 'log']], [['roles', 'admin']], [['name', 0, 1]]])(
    'none at %j',
    (path) => expect(certrpcAllowedKeys(path)).toBeUndefined(),
  );

  it('a misspelt key in a principal entry is told the right one', () => {
    const [issue] = principalIssues({ cn: 'a', isuer: 'CN=CA' });
    expect(issue).toMatchObject({ path: ['roles', 'r', 1, 'isuer'], key: true });
    expect(issue.fix).toContain('"issuer"');
  });
});

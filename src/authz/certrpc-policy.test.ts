// certrpc YAML past the schema: the cross-field checks (role names, unknown roles, duplicate rule
// names, header keys, audit mode), the bounds (each at the entry over it) and the model produced.
import { certrpcPolicyFromDocument } from './certrpc-policy';
import { PolicyModel } from './policy-model';
import { POLICY_LIMITS } from './policy-limits';
import { PathIssue } from '../text/schema-issues';

const issuesOf = (doc: unknown): PathIssue[] => {
  const result = certrpcPolicyFromDocument(doc, 'p.yaml');
  return 'issues' in result ? result.issues : [];
};
const modelOf = (doc: unknown): PolicyModel => {
  const result = certrpcPolicyFromDocument(doc, 'p.yaml');
  if ('issues' in result) throw new Error(JSON.stringify(result.issues));
  return result.model;
};
const many = <T>(n: number, entry: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => entry(i));
const L = POLICY_LIMITS;
const ok = { roles: { r: [{ cn: 'bob' }] }, rules: [{ roles: ['r'], methods: ['*'] }] };

describe('certrpc policy checks', () => {
  it.each(['*', '-x', 'a b', 'é', '.x'])('%j is not a usable role name (a problem with the key)', (name) => {
    const issues = issuesOf({ roles: { [name]: [{ cn: 'bob' }] }, rules: [] });
    expect(issues).toEqual([expect.objectContaining({ path: ['roles', name], key: true })]);
    expect(issues[0].message).toContain(`"${name}"`);
  });

  it('accepts role names of letters, digits, "_", ".", ":" and "-"', () => {
    expect(issuesOf({ roles: { 'a9_b.c:d-e': [{ cn: 'bob' }], Z: [] }, rules: [] })).toEqual([]);
  });

  it('an unknown role: its path and the roles that exist, "*" among them', () => {
    const issues = issuesOf({ roles: { admin: [], reader: [] }, rules: [{ roles: ['*', 'admin', 'writer'], methods: ['*'] }] });
    expect(issues).toEqual([expect.objectContaining({ path: ['rules', 0, 'roles', 2] })]);
    expect(issues[0].message).toContain('"writer"');
    expect(issues[0].fix).toMatch(/admin, reader, "\*"/);
  });

  it('two rules of one name: the second, naming the first', () => {
    const issues = issuesOf({
      rules: [
        { name: 'a', roles: ['*'], methods: ['*'] },
        { name: 'b', roles: ['*'], methods: ['*'] },
        { name: 'a', roles: ['*'], methods: ['*'] },
        { name: 'a', roles: ['*'], methods: ['*'] },
      ],
    });
    expect(issues.map((i) => i.path)).toEqual([
      ['rules', 2, 'name'],
      ['rules', 3, 'name'],
    ]);
    expect(issues.every((i) => i.message.includes('rules[0]'))).toBe(true);
  });

  it('a forbidden header key is a problem with the key', () => {
    const issues = issuesOf({ rules: [{ roles: ['*'], methods: ['*'], headers: { 'x-ok': 'a', host: 'h' } }] });
    expect(issues).toEqual([expect.objectContaining({ path: ['rules', 0, 'headers', 'host'], key: true })]);
  });

  it.each([
    [undefined, 'all'],
    ['none', 'none'],
    [' ON_DENY ', 'on_deny'],
    ['on-allow', 'on_allow'],
    ['ON_DENY_AND_ALLOW', 'all'],
  ])('audit log %j is mode %s', (log, mode) => {
    expect(modelOf({ ...ok, audit: { log, destination: 'audit.jsonl' } }).audit).toEqual({ mode, destination: 'audit.jsonl' });
  });

  it('an unknown audit mode is a problem at audit.log, naming it', () => {
    const issues = issuesOf({ ...ok, audit: { log: 'sometimes' } });
    expect(issues).toEqual([expect.objectContaining({ path: ['audit', 'log'] })]);
    expect(issues[0].message).toContain('"sometimes"');
  });
});

describe('the certrpc policy model', () => {
  it('fills in defaults: the policy name, rule names by position, effect allow; header values as lists, keys lower-case', () => {
    const model = modelOf({
      roles: { r: [{ cn: 'bob' }] },
      rules: [
        { roles: ['r'], methods: ['/a.B/C'], headers: { 'X-Tenant': 'acme', 'x-env': ['prod', 'stage'] } },
        { name: 'no', effect: 'deny', roles: ['*'], methods: ['*'] },
        { name: 'tunnel', roles: ['r'], connect: ['db:5432'] },
      ],
    });
    expect(model).toMatchObject({ name: 'policy', format: 'certrpc', file: 'p.yaml', audit: { mode: 'all' } });
    expect(model.rules).toEqual([
      {
        name: 'rules[0]',
        at: ['rules', 0],
        effect: 'allow',
        roles: ['r'],
        methods: ['/a.B/C'],
        connect: undefined,
        headers: [
          { key: 'x-tenant', values: ['acme'] },
          { key: 'x-env', values: ['prod', 'stage'] },
        ],
      },
      { name: 'no', at: ['rules', 1], effect: 'deny', roles: ['*'], methods: ['*'], connect: undefined, headers: undefined },
      { name: 'tunnel', at: ['rules', 2], effect: 'allow', roles: ['r'], methods: undefined, connect: ['db:5432'], headers: undefined },
    ]);
    expect(modelOf({ ...ok, name: 'mine' }).name).toBe('mine');
  });

  it('each principal entry is its one field, with its issuer bindings in canonical form', () => {
    const fp = 'ab'.repeat(32);
    const model = modelOf({
      roles: {
        a: [{ dns: 'db.corp' }, { spiffe: 'spiffe://corp/x', issuer: 'CN=Demo CA,O=Acme', issuerFingerprint: fp }],
        b: [],
      },
      rules: [],
    });
    expect(model.roles).toEqual([
      {
        name: 'a',
        at: ['roles', 'a'],
        principals: [
          { field: 'dns', pattern: 'db.corp' },
          { field: 'spiffe', pattern: 'spiffe://corp/x', issuer: 'CN=Demo CA, O=Acme', issuerFingerprint: 'AB:'.repeat(31) + 'AB' },
        ],
      },
      { name: 'b', at: ['roles', 'b'], principals: [] },
    ]);
  });
});

describe('certrpc policy bounds, each at the entry over it', () => {
  it('roles (at the key of the first one over) and rules', () => {
    const roles = Object.fromEntries(many(L.maxRoles + 1, (i) => [`r${i}`, []]));
    expect(issuesOf({ roles, rules: [] })).toEqual([
      expect.objectContaining({ path: ['roles', `r${L.maxRoles}`], key: true, message: expect.stringMatching(/roles/) }),
    ]);
    const rules = many(L.maxRules + 1, () => ({ roles: ['*'], methods: ['*'] }));
    expect(issuesOf({ rules })).toEqual([
      expect.objectContaining({ path: ['rules', L.maxRules], message: expect.stringMatching(/rules/) }),
    ]);
    expect(issuesOf({ roles: Object.fromEntries(many(L.maxRoles, (i) => [`r${i}`, []])), rules: rules.slice(1) })).toEqual([]);
  });

  it('principal entries over all roles, wildcard ones among them, and each pattern', () => {
    const half = L.maxPrincipals / 2;
    const exact = issuesOf({ roles: { a: many(half, (i) => ({ cn: `a${i}` })), b: many(half + 1, (i) => ({ dns: `b${i}` })) }, rules: [] });
    expect(exact).toEqual([
      expect.objectContaining({ path: ['roles', 'b', half, 'dns'], message: expect.stringMatching(/principal entries/) }),
    ]);
    const wild = issuesOf({ roles: { a: [{ cn: 'x' }, ...many(L.maxWildcardPrincipals + 1, (i) => ({ uri: `u${i}*` }))] }, rules: [] });
    expect(wild).toEqual([
      expect.objectContaining({
        path: ['roles', 'a', L.maxWildcardPrincipals + 1, 'uri'],
        message: expect.stringMatching(/wildcard principal/),
      }),
    ]);
    expect(issuesOf({ roles: { a: many(L.maxWildcardPrincipals, (i) => ({ cn: `*${i}` })) }, rules: [] })).toEqual([]);
    const long = issuesOf({ roles: { a: [{ cn: 'x' }, { email: `${'*'.repeat(L.maxStarsPerPattern + 1)}@corp` }] }, rules: [] });
    expect(long).toEqual([expect.objectContaining({ path: ['roles', 'a', 1, 'email'] })]);
  });

  it.each(['methods', 'connect'] as const)('%s per rule, and each pattern', (key) => {
    const pattern = key === 'methods' ? (i: number) => `/a.B/M${i}` : (i: number) => `h${i}:1`;
    const over = issuesOf({ rules: [{ roles: ['*'], [key]: many(L.maxPatternsPerRule + 1, pattern) }] });
    expect(over).toEqual([
      expect.objectContaining({ path: ['rules', 0, key, L.maxPatternsPerRule], message: expect.stringContaining(key) }),
    ]);
    expect(issuesOf({ rules: [{ roles: ['*'], [key]: many(L.maxPatternsPerRule, pattern) }] })).toEqual([]);
    const long = key === 'methods' ? `/a.B/${'M'.repeat(L.maxPatternLength)}` : `${'h'.repeat(L.maxPatternLength)}:1`;
    expect(issuesOf({ rules: [{ roles: ['*'], [key]: [pattern(0), long] }] })).toEqual([
      expect.objectContaining({ path: ['rules', 0, key, 1] }),
    ]);
  });

  it('header conditions per rule, values per header, and each value (a single value at its key)', () => {
    const headers = Object.fromEntries(many(L.maxHeadersPerRule + 1, (i) => [`x-h${i}`, 'v']));
    expect(issuesOf({ rules: [{ roles: ['*'], methods: ['*'], headers }] })).toEqual([
      expect.objectContaining({ path: ['rules', 0, 'headers'], message: expect.stringMatching(/header conditions/) }),
    ]);
    const atBound = Object.fromEntries(many(L.maxHeadersPerRule, (i) => [`x-h${i}`, many(L.maxPatternsPerRule, (j) => `v${j}`)]));
    expect(issuesOf({ rules: [{ roles: ['*'], methods: ['*'], headers: atBound }] })).toEqual([]);
    const values = { 'x-a': many(L.maxPatternsPerRule + 1, (j) => `v${j}`) };
    expect(issuesOf({ rules: [{ roles: ['*'], methods: ['*'], headers: values }] })).toEqual([
      expect.objectContaining({ path: ['rules', 0, 'headers', 'x-a'], message: expect.stringMatching(/values/) }),
    ]);
    const stars = '*'.repeat(L.maxStarsPerPattern + 1);
    expect(
      issuesOf({ rules: [{ roles: ['*'], methods: ['*'], headers: { 'x-a': ['ok', stars], 'x-b': stars } }] }).map((i) => i.path),
    ).toEqual([
      ['rules', 0, 'headers', 'x-a', 1],
      ['rules', 0, 'headers', 'x-b'],
    ]);
  });
});

// What the A43 translation checks and produces, field by field: unknown keys and their suggestions,
// duplicate names, the load-time bounds (each at the entry over it), role names that never collide,
// and the PolicyModel each rule becomes.
import { Metadata } from '@grpc/grpc-js';
import { identity } from '../../test/helpers/identities';
import { a43PolicyFromDocument, isA43Document } from './a43-policy';
import { CompiledPolicy } from './compiled-policy';
import { PolicyModel } from './policy-model';
import { POLICY_LIMITS } from './policy-limits';
import { PathIssue } from '../text/schema-issues';

const issuesOf = (doc: unknown): PathIssue[] => {
  const result = a43PolicyFromDocument(doc, 'p.json');
  return 'issues' in result ? result.issues : [];
};
const modelOf = (doc: unknown): PolicyModel => {
  const result = a43PolicyFromDocument(doc, 'p.json');
  if ('issues' in result) throw new Error(JSON.stringify(result.issues));
  return result.model;
};
const many = <T>(n: number, entry: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => entry(i));
const rules = (n: number) => many(n, (i) => ({ name: `r${i}` }));

describe('A43 documents', () => {
  it('is recognised by allow_rules or deny_rules alone; anything else is not A43', () => {
    expect(isA43Document({ allow_rules: [] })).toBe(true);
    expect(isA43Document({ deny_rules: [] })).toBe(true);
    expect(isA43Document({ rules: [] })).toBe(false);
    expect(isA43Document(null)).toBe(false);
    expect(isA43Document('allow_rules')).toBe(false);
  });

  it.each([
    [{ name: 'p', alow_rules: [], allow_rules: [] }, ['alow_rules'], 'allow_rules'],
    [
      { name: 'p', allow_rules: [], audit_logging_options: { audit_conditon: 'NONE' } },
      ['audit_logging_options', 'audit_conditon'],
      'audit_condition',
    ],
    [{ name: 'p', allow_rules: [{ name: 'r', sorce: {} }] }, ['allow_rules', 0, 'sorce'], 'source'],
    [{ name: 'p', allow_rules: [{ name: 'r', source: { principal: [] } }] }, ['allow_rules', 0, 'source', 'principal'], 'principals'],
    [{ name: 'p', allow_rules: [{ name: 'r', request: { path: [] } }] }, ['allow_rules', 0, 'request', 'path'], 'paths'],
    [{ name: 'p', allow_rules: [{ name: 'r', request: { header: [] } }] }, ['allow_rules', 0, 'request', 'header'], 'headers'],
  ])('an unknown key is refused at its path with the key meant: %j', (doc, path, meant) => {
    const [issue, ...rest] = issuesOf(doc);
    expect(rest).toEqual([]);
    expect(issue).toMatchObject({ path, key: true });
    expect(issue.fix).toContain(`"${meant}"`);
  });

  it('an unknown key where A43 lists no keys is only to be removed', () => {
    const [issue] = issuesOf({ name: 'p', allow_rules: [{ name: 'r', request: { headers: [{ key: 'x-a', values: ['a'], vals: [] }] } }] });
    expect(issue).toMatchObject({ path: ['allow_rules', 0, 'request', 'headers', 0, 'vals'], fix: 'remove it' });
    const [logger] = issuesOf({ name: 'p', allow_rules: [], audit_logging_options: { audit_loggers: [{ name: 'x', nam: 'y' }] } });
    expect(logger).toMatchObject({ path: ['audit_logging_options', 'audit_loggers', 0, 'nam'], fix: 'remove it' });
  });

  it('a deny_rules-only document is read as A43, so it is told that allow_rules is missing', () => {
    expect(issuesOf({ name: 'p', deny_rules: [] })).toEqual([expect.objectContaining({ path: ['allow_rules'] })]);
  });

  it('refuses two rules of one name within a list, not across the two lists', () => {
    const twice = issuesOf({ name: 'p', allow_rules: [{ name: 'a' }, { name: 'b' }, { name: 'a' }] });
    expect(twice).toEqual([expect.objectContaining({ path: ['allow_rules', 2, 'name'] })]);
    expect(twice[0].message).toContain('"a"');
    expect(twice[0].fix).toMatch(/unique/);
    expect(issuesOf({ name: 'p', deny_rules: [{ name: 'x' }, { name: 'x' }], allow_rules: [] })).toEqual([
      expect.objectContaining({ path: ['deny_rules', 1, 'name'] }),
    ]);
    expect(issuesOf({ name: 'p', deny_rules: [{ name: 'a' }], allow_rules: [{ name: 'a' }] })).toEqual([]);
  });

  it('refuses a forbidden header key at its path, in either list', () => {
    const issues = issuesOf({
      name: 'p',
      deny_rules: [
        {
          name: 'd',
          request: {
            headers: [
              { key: 'x-ok', values: ['a'] },
              { key: ':path', values: ['a'] },
            ],
          },
        },
      ],
      allow_rules: [{ name: 'a', request: { headers: [{ key: 'grpc-timeout', values: ['1S'] }] } }],
    });
    expect(issues.map((i) => i.path)).toEqual([
      ['deny_rules', 0, 'request', 'headers', 1, 'key'],
      ['allow_rules', 0, 'request', 'headers', 0, 'key'],
    ]);
    expect(issues.every((i) => i.fix)).toBe(true);
  });
});

describe('A43 rules become certrpc rules', () => {
  it('principals become a role of the rule (URI, DNS SAN, subject); no principals: any caller, no role', () => {
    const model = modelOf({
      name: 'p',
      deny_rules: [{ name: 'd', source: { principals: ['CN=eve'] }, request: { paths: ['/a.B/Drop'] } }],
      allow_rules: [
        { name: 'a', source: { principals: ['spiffe://corp/a', '*.corp'] } },
        { name: 'open', request: { paths: ['/a.B/Get'] } },
      ],
    });
    expect(model).toMatchObject({ name: 'p', format: 'a43', file: 'p.json', audit: { mode: 'none' } });
    expect(model.roles).toEqual([
      {
        name: 'deny:d',
        at: ['deny_rules', 0],
        principals: [
          { field: 'uri', pattern: 'CN=eve' },
          { field: 'dns', pattern: 'CN=eve' },
          { field: 'subject', pattern: 'CN=eve' },
        ],
      },
      {
        name: 'a',
        at: ['allow_rules', 0],
        principals: ['spiffe://corp/a', '*.corp'].flatMap((pattern) => ['uri', 'dns', 'subject'].map((field) => ({ field, pattern }))),
      },
    ]);
    expect(model.rules).toEqual([
      { name: 'd', effect: 'deny', at: ['deny_rules', 0], roles: ['deny:d'], methods: ['/a.B/Drop'], headers: undefined },
      { name: 'a', effect: 'allow', at: ['allow_rules', 0], roles: ['a'], methods: ['*'], headers: undefined },
      { name: 'open', effect: 'allow', at: ['allow_rules', 1], roles: ['*'], methods: ['/a.B/Get'], headers: undefined },
    ]);
  });

  it('an empty principals or paths list is the same as none', () => {
    const model = modelOf({ name: 'p', allow_rules: [{ name: 'a', source: { principals: [] }, request: { paths: [] } }] });
    expect(model.roles).toEqual([]);
    expect(model.rules[0]).toMatchObject({ roles: ['*'], methods: ['*'] });
  });

  it('header keys are compared lower-case, as gRPC metadata keys are', () => {
    const model = modelOf({ name: 'p', allow_rules: [{ name: 'a', request: { headers: [{ key: 'X-Tenant', values: ['acme'] }] } }] });
    expect(model.rules[0].headers).toEqual([{ key: 'x-tenant', values: ['acme'] }]);
    const md = new Metadata();
    md.set('x-tenant', 'acme');
    expect(new CompiledPolicy(model).decide(identity(), '/a.B/C', md).allowed).toBe(true);
  });

  it.each([
    ['NONE', 'none'],
    ['ON_DENY', 'on_deny'],
    ['ON_ALLOW', 'on_allow'],
    ['ON_DENY_AND_ALLOW', 'all'],
  ])("A59's audit_condition %s is audit mode %s", (condition, mode) => {
    expect(modelOf({ name: 'p', allow_rules: [], audit_logging_options: { audit_condition: condition } }).audit).toEqual({ mode });
  });

  it('a deny rule never takes a role name an allow rule has: "deny:NAME", then #2, #3', () => {
    const model = modelOf({
      name: 'p',
      deny_rules: [
        { name: 'x', source: { principals: ['bad'] } },
        { name: 'y', source: { principals: ['worse'] } },
      ],
      allow_rules: [
        { name: 'deny:x', source: { principals: ['a'] } },
        { name: 'deny:x #2', source: { principals: ['b'] } },
      ],
    });
    expect(model.roles.map((r) => r.name)).toEqual(['deny:x #3', 'deny:y', 'deny:x', 'deny:x #2']);
  });
});

describe('A43 bounds, each at the first entry over it', () => {
  const L = POLICY_LIMITS;

  it('rules per list', () => {
    expect(issuesOf({ name: 'p', allow_rules: rules(L.maxRules) })).toEqual([]);
    const [issue] = issuesOf({ name: 'p', allow_rules: [], deny_rules: rules(L.maxRules + 1) });
    expect(issue).toMatchObject({ path: ['deny_rules', L.maxRules] });
    expect(issue.message).toContain(String(L.maxRules + 1));
    expect(issue.message).toMatch(/rules in deny_rules/);
  });

  it('paths, headers and values per rule; pattern length in paths and header values', () => {
    const long = `/a.B/${'a'.repeat(L.maxPatternLength)}`;
    const issues = issuesOf({
      name: 'p',
      allow_rules: [
        { name: 'paths', request: { paths: many(L.maxPatternsPerRule + 1, (i) => `/a.B/M${i}`) } },
        { name: 'headers', request: { headers: many(L.maxHeadersPerRule + 1, (i) => ({ key: `x-h${i}`, values: ['v'] })) } },
        { name: 'values', request: { headers: [{ key: 'x-a', values: many(L.maxPatternsPerRule + 1, (i) => `v${i}`) }] } },
        { name: 'long', request: { paths: ['/a.B/C', long], headers: [{ key: 'x-a', values: ['ok', long] }] } },
      ],
    });
    expect(issues.map((i) => i.path)).toEqual([
      ['allow_rules', 0, 'request', 'paths', L.maxPatternsPerRule],
      ['allow_rules', 1, 'request', 'headers', L.maxHeadersPerRule],
      ['allow_rules', 2, 'request', 'headers', 0, 'values', L.maxPatternsPerRule],
      ['allow_rules', 3, 'request', 'paths', 1],
      ['allow_rules', 3, 'request', 'headers', 0, 'values', 1],
    ]);
    // Each names what is over its bound.
    expect(issues.slice(0, 3).map((i) => i.message)).toEqual([
      expect.stringMatching(/paths/),
      expect.stringMatching(/headers/),
      expect.stringMatching(/values/),
    ]);
    // At the bounds themselves: accepted.
    expect(
      issuesOf({
        name: 'p',
        allow_rules: [
          {
            name: 'r',
            request: {
              paths: many(L.maxPatternsPerRule, (i) => `/a.B/M${i}`),
              headers: many(L.maxHeadersPerRule, (i) => ({ key: `x-h${i}`, values: many(L.maxPatternsPerRule, (j) => `v${j}`) })),
            },
          },
        ],
      }),
    ).toEqual([]);
  });

  it('A43 "*" is a prefix or suffix whatever their number: no star bound', () => {
    expect(issuesOf({ name: 'p', allow_rules: [{ name: 'r', source: { principals: [`${'*'.repeat(20)}x*`] } }] })).toEqual([]);
  });

  it('principals over all rules, and wildcard principals among them', () => {
    const tooMany = issuesOf({
      name: 'p',
      deny_rules: [{ name: 'd', source: { principals: ['x'] } }],
      allow_rules: [{ name: 'a', source: { principals: many(L.maxPrincipals, (i) => `p${i}`) } }],
    });
    expect(tooMany).toEqual([expect.objectContaining({ path: ['allow_rules', 0, 'source', 'principals', L.maxPrincipals - 1] })]);
    expect(tooMany[0].message).toMatch(/principals/);
    // At the bound, rules without principals beside it: accepted (they add none).
    const atLimit = issuesOf({
      name: 'p',
      deny_rules: [{ name: 'd' }],
      allow_rules: [
        { name: 'a', source: { principals: many(L.maxPrincipals, (i) => `p${i}`) } },
        { name: 'b', source: {} },
      ],
    });
    expect(atLimit).toEqual([]);
    const wild = issuesOf({
      name: 'p',
      allow_rules: [{ name: 'a', source: { principals: ['exact', ...many(L.maxWildcardPrincipals + 1, (i) => `p${i}*`)] } }],
    });
    expect(wild).toEqual([expect.objectContaining({ path: ['allow_rules', 0, 'source', 'principals', L.maxWildcardPrincipals + 1] })]);
    expect(wild[0].message).toMatch(/wildcard principals/);
    const atBound = { name: 'a', source: { principals: many(L.maxWildcardPrincipals, (i) => `*p${i}`) } };
    expect(issuesOf({ name: 'p', allow_rules: [atBound] })).toEqual([]);
    const long = issuesOf({ name: 'p', allow_rules: [{ name: 'a', source: { principals: ['a', 'x'.repeat(L.maxPatternLength + 1)] } }] });
    expect(long).toEqual([expect.objectContaining({ path: ['allow_rules', 0, 'source', 'principals', 1] })]);
  });
});

describe('A43 paths that can match no gRPC method are refused (a deny rule that never denies)', () => {
  // A call's path is always "/package.Service/Method" (grpc-js routes only registered methods).
  it.each(['pkg.service/secret', '/pkg.service/secret/', '/pkg.service', '//secret', 'pkg.service/*', '/a/b/c*', '*/a/b/c', '*/', '*//x'])(
    '%s',
    (path) => {
      const issues = issuesOf({ name: 'p', deny_rules: [{ name: 'd', request: { paths: ['/a.B/C', path] } }], allow_rules: [] });
      expect(issues).toEqual([expect.objectContaining({ path: ['deny_rules', 0, 'request', 'paths', 1] })]);
      expect(issues[0].message).toContain(path);
      expect(issues[0].fix).toMatch(/\/package\.Service\/Method/);
    },
  );

  it.each(['/a.B/C', '*', '/a.B/*', '/*', '/a*', '/a.B/Ge*', '*/secret', '*C', '*B/C', '*/a.B/C'])('accepts %s', (path) => {
    expect(issuesOf({ name: 'p', allow_rules: [{ name: 'a', request: { paths: [path] } }] })).toEqual([]);
  });
});

describe('an empty A43 principal ("": no client certificate) matches no certificate', () => {
  // A43 means "" for a peer without a client certificate, which certrpc never authorizes by policy.
  // Compared with a certificate's subject it would match one with an empty subject, SANs or not.
  const doc = (principals: string[]) => ({
    name: 'p',
    allow_rules: [{ name: 'a', source: { principals }, request: { paths: ['/a.B/C'] } }],
  });
  const noSubject = identity({ uris: ['spiffe://corp/anyone'], subject: '' });

  it('alone: the rule applies to no certificate (it is not a rule for any caller)', () => {
    const policy = new CompiledPolicy(modelOf(doc([''])));
    expect(policy.rolesOf(noSubject)).toEqual([]);
    expect(policy.rolesOf(identity({ subject: '' }))).toEqual([]);
    expect(policy.decide(noSubject, '/a.B/C').allowed).toBe(false);
    expect(policy.decide(identity({ commonName: 'bob' }), '/a.B/C').allowed).toBe(false);
  });

  it('beside other principals, they still match', () => {
    const policy = new CompiledPolicy(modelOf(doc(['', 'spiffe://corp/anyone'])));
    expect(policy.rolesOf(noSubject)).toEqual(['a']);
    expect(policy.rolesOf(identity({ subject: '' }))).toEqual([]);
  });
});

// Every problem in a policy file is reported with its line, its field and the fix.
import { tempDir } from '../../test/helpers/temp-dir';
import { ConfigError, FileIssue } from '../text/config-error';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPolicyFile, parsePolicy } from './policy-file';

function problems(text: string): FileIssue[] {
  try {
    parsePolicy(text, 'p.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  throw new Error('expected the policy to be refused');
}

const GOOD = `roles:
  admin:
    - cn: alice
rules:
  - roles: [admin]
    methods: ["*"]
`;

describe('policy file problems', () => {
  it('accepts a good policy and records where each rule and role is', () => {
    const model = parsePolicy(GOOD, 'p.yaml');
    expect(model.rules[0].source).toEqual({ file: 'p.yaml', line: 5 });
    expect(model.roles[0].source).toEqual({ file: 'p.yaml', line: 2 });
  });

  it('an unknown role: its line and column, the field, and the roles that exist', () => {
    const [issue, ...rest] = problems(GOOD.replace('roles: [admin]', 'roles: [admin, writer]'));
    expect(rest).toEqual([]);
    expect(issue).toMatchObject({ line: 5, column: 20, field: 'rules[0].roles[1]', message: 'unknown role "writer"' });
    expect(issue.fix).toMatch(/define it under "roles:", or use one of: admin/);
  });

  it.each([
    ['demo.v1.KeyValue/Get', /lacks the leading "\/"/],
    ['/demo.v1.KeyValue.Get', /no "\/" between the service and the method/],
    ['/demo.v1.KeyValue/Get*', /"\*" may only stand for a whole method/],
    ['/demo.v1.*', /"\*" may only stand/],
  ])('a bad method pattern %s: line, field, what is wrong and the three valid forms', (pattern, why) => {
    const [issue] = problems(GOOD.replace('methods: ["*"]', `methods:\n      - "/a.B/C"\n      - "${pattern}"`));
    expect(issue).toMatchObject({ line: 8, field: 'rules[0].methods[1]' });
    expect(issue.message).toMatch(why);
    expect(issue.fix).toMatch(/"\/package.Service\/Method", "\/package.Service\/\*" .* or "\*"/);
  });

  it('a YAML syntax error: its line, and for an unquoted * the quoting fix', () => {
    const [issue] = problems(GOOD.replace('methods: ["*"]', 'methods: [*]'));
    expect(issue).toMatchObject({ line: 6 });
    expect(issue.message).toMatch(/^YAML syntax error/);
    expect(issue.fix).toMatch(/quote wildcards/);
    const [indent] = problems('roles:\n  admin:\n    - cn: alice\n  rules: [\n');
    expect(indent.line).toBeGreaterThanOrEqual(4);
    expect(indent.message).toMatch(/^YAML syntax error/);
  });

  it('an unknown field suggests the right one', () => {
    const [issue] = problems(GOOD.replace('methods:', 'mehtods:'));
    expect(issue).toMatchObject({ line: 6, field: 'rules[0].mehtods', message: 'unknown field "mehtods"' });
    expect(issue.fix).toMatch(/did you mean "methods"/);
  });

  it('a missing list, a principal with two fields, a bad SPIFFE ID and a bad audit mode, all at once', () => {
    const issues = problems(`audit:
  log: sometimes
roles:
  admin:
    - cn: alice
      dns: alice.corp
  svc:
    - spiffe: corp/billing
rules:
  - roles: [admin]
`);
    expect(issues.map((i) => [i.line, i.field])).toEqual(
      expect.arrayContaining([
        [5, 'roles.admin[0]'],
        [8, 'roles.svc[0].spiffe'],
        [10, 'rules[0]'],
      ]),
    );
    expect(issues.find((i) => i.field === 'rules[0]')?.fix).toMatch(/add methods:/);
  });

  it('header conditions that A43 forbids are refused', () => {
    const [issue] = problems(GOOD.replace('methods: ["*"]', 'methods: ["*"]\n    headers:\n      grpc-timeout: "1S"'));
    expect(issue).toMatchObject({ line: 8, field: 'rules[0].headers.grpc-timeout', message: '"grpc-timeout" is reserved by gRPC' });
  });

  it('an A43 policy with a field A43 does not define is refused (a newer policy must not be half-understood)', () => {
    const [issue] = problems('{"name": "p", "allow_rules": [{"name": "r", "request": {"paths": ["/a.B/C"], "methods": ["GET"]}}]}');
    expect(issue).toMatchObject({ line: 1, field: 'allow_rules[0].request.methods', message: 'unknown field "methods"' });
  });

  it('the message of the error lists FILE:LINE:COLUMN, the field, then the fix', () => {
    expect(() => parsePolicy(GOOD.replace('[admin]', '[writer]'), 'p.yaml')).toThrow(
      /^p\.yaml:5:13: rules\[0\]\.roles\[0\]: unknown role "writer"\n {2}fix: /,
    );
  });

  it('an empty file says so', () => {
    expect(problems('# nothing\n')[0].message).toBe('the file is empty');
  });

  it('two keys of one name are refused (the second must not silently replace the first)', () => {
    const [issue] = problems('roles:\n  admin: [{cn: alice}]\n  admin: [{cn: mallory}]\nrules: []\n');
    expect(issue).toMatchObject({ line: 3, fix: expect.stringMatching(/remove or rename/) });
  });

  it('aliases expanded past the bound ("billion laughs") are a problem of the file with a fix, not a crash', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++)
      lines.push(
        `a${i}: &a${i} [${Array(10)
          .fill(i === 1 ? '*a' : `*a${i - 1}`)
          .join(', ')}]`,
      );
    const [issue, ...rest] = problems(`${lines.join('\n')}\nrules: []\n`);
    expect(rest).toEqual([]);
    expect(issue.message).toMatch(/alias/);
    expect(issue.fix).toMatch(/alias/);
  });
});

describe('where rules and roles were written', () => {
  it('an A43 role is at the rule that lists its principals', () => {
    const text = JSON.stringify({ name: 'p', allow_rules: [{ name: 'a' }, { name: 'b', source: { principals: ['x'] } }] }, null, 2);
    const model = parsePolicy(text, 'p.json');
    const line = text.split('\n').findIndex((l) => l.includes('"b"')) + 1;
    expect(model.roles[0].source).toEqual({ file: 'p.json', line: line - 1 });
    expect(model.rules.map((r) => r.source?.line)).toEqual([line - 4, line - 1]);
  });
});

describe('loadPolicyFile', () => {
  const { dir, cleanup } = tempDir('policy-file-');
  afterAll(cleanup);

  it('reads, checks and compiles the file, with the generation given (1 by default)', () => {
    const file = join(dir, 'p.yaml');
    writeFileSync(file, GOOD);
    expect(loadPolicyFile(file)).toMatchObject({ generation: 1, name: 'policy' });
    expect(loadPolicyFile(file, 3).generation).toBe(3);
    expect(loadPolicyFile(file).rules[0].source).toEqual({ file, line: 5 });
  });

  it('a missing file is an error naming the file and the option', () => {
    const file = join(dir, 'missing.yaml');
    expect(() => loadPolicyFile(file)).toThrow(expect.objectContaining({ file, option: 'policyFile' }));
  });
});

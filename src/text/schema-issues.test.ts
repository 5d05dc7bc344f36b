// How zod's complaints about a policy file are reworded: each kind of mistake gets its message and fix.
import { parsePolicy } from '../authz/policy-file';
import { ConfigError, FileIssue } from './config-error';

function problems(text: string): FileIssue[] {
  try {
    parsePolicy(text, 'p.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  throw new Error('expected the policy to be refused');
}

const RULES = 'rules:\n  - roles: [admin]\n    methods: ["*"]\n';

describe('policy schema issues, reworded', () => {
  it('an unknown key close to a known one: "did you mean", by prefix, by transposed letters, by a typo', () => {
    expect(problems(`roles:\n  admin: [{ cn: a }]\n${RULES}rule: []\n`).map((i) => [i.field, i.message, i.fix])).toEqual([
      ['rule', 'unknown field "rule"', expect.stringMatching(/^did you mean "rules"\? \(allowed here: .*rules.*\)$/)],
    ]);
    expect(problems(`roles:\n  admin: [{ cn: a }]\nrules:\n  - roles: [admin]\n    mehtods: ["*"]\n`)[0].fix).toMatch(
      /^did you mean "methods"\?/,
    );
    expect(problems(`roles:\n  admin: [{ cn: a }]\nrules:\n  - roles: [admin]\n    mthods: ["*"]\n`)[0].fix).toMatch(
      /^did you mean "methods"\?/,
    );
    const far = problems(`roles:\n  admin: [{ cn: a }]\nrules:\n  - roles: [admin]\n    methods: ["*"]\n    zzzzzz: 1\n`)[0];
    expect(far).toMatchObject({ message: 'unknown field "zzzzzz"' });
    expect(far.fix).toMatch(/^remove it, or use one of: /);
  });

  it('a missing field, a wrong type (list, mapping, text), an empty list', () => {
    const missing = problems('roles:\n  admin: [{ cn: a }]\n');
    expect(missing).toEqual([expect.objectContaining({ field: 'rules', message: 'is missing', fix: 'add "rules:" here' })]);
    const notList = problems(`roles:\n  admin: [{ cn: a }]\nrules: nope\n`)[0];
    expect(notList).toMatchObject({ message: 'must be a list', fix: 'write a list: [a, b] on one line, or one "- item" per line' });
    const notMapping = problems(`roles: nope\n${RULES}`)[0];
    expect(notMapping).toMatchObject({
      message: 'must be a mapping (key: value lines)',
      fix: 'write indented "key: value" lines under it',
    });
    const notText = problems(`roles:\n  admin: [{ cn: [a] }]\n${RULES}`)[0];
    expect(notText).toMatchObject({ message: 'must be a string', fix: 'write text; quote it if it starts with * or contains ": "' });
    const empty = problems(`roles:\n  admin: [{ cn: a }]\nrules:\n  - roles: []\n    methods: ["*"]\n`)[0];
    expect(empty).toMatchObject({ message: 'must list at least one entry', fix: 'fill it in, or remove the field' });
  });
});

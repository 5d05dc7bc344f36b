// Audit mode names (certrpc's and A59's) and where a rule or role was written.
import { AUDIT_MODES, describeSource, parseAuditMode } from './policy-model';

describe('parseAuditMode', () => {
  it.each(AUDIT_MODES)('%s is itself', (mode) => expect(parseAuditMode(mode)).toBe(mode));

  it.each([
    ['ON_DENY_AND_ALLOW', 'all'],
    ['on-deny-and-allow', 'all'],
    ['ALL', 'all'],
    [' On-Deny ', 'on_deny'],
    ['ON_ALLOW', 'on_allow'],
    ['NONE', 'none'],
    ['on-deny-on-allow', undefined],
    ['', undefined],
    ['deny', undefined],
  ])('%j is %s', (text, mode) => expect(parseAuditMode(text)).toBe(mode));
});

describe('describeSource', () => {
  it.each([
    [undefined, ''],
    [{}, ''],
    [{ line: 3 }, 'line 3'],
    [{ file: 'p.yaml' }, 'p.yaml'],
    [{ file: 'p.yaml', line: 3 }, 'p.yaml:3'],
  ])('%j is %j', (source, text) => expect(describeSource(source)).toBe(text));
});

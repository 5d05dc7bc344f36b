// The load-time bounds: one pattern's length and stars, and the counts of a list.
import { checkCount, checkPatterns, patternBoundProblem, POLICY_LIMITS } from './policy-limits';
import { PathIssue } from '../text/schema-issues';

const L = POLICY_LIMITS;

describe('one pattern', () => {
  it('at most maxPatternLength characters, in either syntax', () => {
    expect(patternBoundProblem('a'.repeat(L.maxPatternLength))).toBeUndefined();
    expect(patternBoundProblem('a'.repeat(L.maxPatternLength), 'a43')).toBeUndefined();
    for (const syntax of ['glob', 'a43'] as const) {
      const problem = patternBoundProblem('a'.repeat(L.maxPatternLength + 1), syntax);
      expect(problem).toContain(String(L.maxPatternLength + 1));
      expect(problem).toContain(String(L.maxPatternLength));
    }
  });

  it('at most maxStarsPerPattern "*" in certrpc YAML; A43 has no star bound', () => {
    expect(patternBoundProblem('*a'.repeat(L.maxStarsPerPattern))).toBeUndefined();
    const problem = patternBoundProblem('*a'.repeat(L.maxStarsPerPattern + 1));
    expect(problem).toContain(String(L.maxStarsPerPattern + 1));
    expect(problem).toContain(String(L.maxStarsPerPattern));
    expect(patternBoundProblem('*a'.repeat(L.maxStarsPerPattern + 1), 'a43')).toBeUndefined();
  });

  it('checkPatterns reports each pattern over a bound at its path, a long one cut to 40 characters', () => {
    const issues: PathIssue[] = [];
    const long = `${'x'.repeat(40)}${'y'.repeat(L.maxPatternLength)}`;
    checkPatterns(issues, [
      { path: ['a'], pattern: 'fine' },
      { path: ['b'], pattern: long },
      { path: ['c'], pattern: '*'.repeat(L.maxStarsPerPattern + 1) },
    ]);
    expect(issues.map((i) => i.path)).toEqual([['b'], ['c']]);
    expect(issues[0].message.startsWith(`"${'x'.repeat(40)}..."`)).toBe(true);
    expect(issues[0].message).not.toContain('y');
    expect(issues[1].message.startsWith(`"${'*'.repeat(L.maxStarsPerPattern + 1)}"`)).toBe(true);
    expect(issues.every((i) => i.fix)).toBe(true);
    const a43: PathIssue[] = [];
    checkPatterns(a43, [{ path: ['c'], pattern: '*'.repeat(L.maxStarsPerPattern + 1) }], 'a43');
    expect(a43).toEqual([]);
  });

  it('a pattern of exactly 40 characters is quoted whole', () => {
    const issues: PathIssue[] = [];
    const forty = '*'.repeat(40);
    checkPatterns(issues, [{ path: [], pattern: forty }]);
    expect(issues[0].message.startsWith(`"${forty}" `)).toBe(true);
  });
});

describe('a count', () => {
  it('up to the limit passes; over it, one issue at the path given, naming the count, the limit and what', () => {
    const issues: PathIssue[] = [];
    checkCount(issues, ['x'], 3, 3, 'things');
    expect(issues).toEqual([]);
    checkCount(issues, ['x', 3], 4, 3, 'things');
    expect(issues).toEqual([
      { path: ['x', 3], key: false, message: expect.stringMatching(/^4 things.*3$/), fix: expect.stringContaining('things') },
    ]);
    checkCount(issues, ['k'], 5, 3, 'roles', true);
    expect(issues[1].key).toBe(true);
  });
});

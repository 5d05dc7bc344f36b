// zod's issues, reworded for someone editing a policy file: what is wrong and what to write instead.
// Positions are added later (policy-file.ts), from the path each issue carries.
import type { z } from 'zod';
import { editDistance } from './similar-names';

/** A problem at a path in the parsed document; `key` marks a problem with a key rather than its value. */
export interface PathIssue {
  path: PropertyKey[];
  message: string;
  fix?: string;
  key?: boolean;
}

/** The keys a file format allows at a path, for "unknown key" fixes. */
export type AllowedKeys = (path: readonly PropertyKey[]) => readonly string[] | undefined;

export function fromZodIssues(issues: readonly z.core.$ZodIssue[], allowedKeys: AllowedKeys): PathIssue[] {
  const out: PathIssue[] = [];
  for (const issue of issues) {
    const path = [...issue.path];
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) out.push(unknownKey(path, key, allowedKeys(path)));
        break;
      case 'invalid_type': {
        const expected = issue.expected;
        if (/received undefined/.test(issue.message)) {
          out.push({ path, message: 'is missing', fix: `add "${String(path[path.length - 1])}:" here` });
        } else {
          out.push({ path, message: `must be ${article(expected)}`, fix: typeFix(expected) });
        }
        break;
      }
      case 'too_small':
        out.push({
          path,
          message: issue.origin === 'array' ? 'must list at least one entry' : 'must not be empty',
          fix: 'fill it in, or remove the field',
        });
        break;
      case 'invalid_value':
        out.push({
          path,
          message: `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`,
          fix: `write one of ${issue.values.map(String).join(', ')}`,
        });
        break;
      case 'custom': {
        const params = (issue as { params?: { fix?: string; key?: boolean } }).params;
        out.push({ path, message: issue.message, fix: params?.fix, key: params?.key });
        break;
      }
      default:
        out.push({ path, message: issue.message });
    }
  }
  return out;
}

function unknownKey(path: PropertyKey[], key: string, allowed: readonly string[] | undefined): PathIssue {
  const near =
    allowed?.find((k) => k.startsWith(key) || key.startsWith(k) || sameLetters(k, key)) ??
    allowed?.find((k) => editDistance(k.toLowerCase(), key.toLowerCase()) <= 2);
  const fix = near
    ? `did you mean "${near}"? (allowed here: ${allowed!.join(', ')})`
    : allowed
      ? `remove it, or use one of: ${allowed.join(', ')}`
      : 'remove it';
  return { path: [...path, key], message: `unknown field "${key}"`, fix, key: true };
}

/** Catches transpositions and case slips ("mehtods", "Roles"). */
function sameLetters(a: string, b: string): boolean {
  const norm = (s: string) => s.toLowerCase().split('').sort().join('');
  return norm(a) === norm(b);
}

/** Letters to insert, delete or change to turn a into b ("polcy" -> "policy": 1). */

function article(type: string): string {
  if (type === 'array') return 'a list';
  if (type === 'object' || type === 'record') return 'a mapping (key: value lines)';
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function typeFix(type: string): string | undefined {
  if (type === 'array') return 'write a list: [a, b] on one line, or one "- item" per line';
  if (type === 'object' || type === 'record') return 'write indented "key: value" lines under it';
  if (type === 'string') return 'write text; quote it if it starts with * or contains ": "';
  return undefined;
}

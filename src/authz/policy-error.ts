// What is wrong with a policy file, where, and how to fix it. One error carries every problem
// found, so `certrpc policy check` shows them all at once instead of one per run.
import { fieldPath, FileIssue, formatFileIssues } from '../config/yaml-file';

/** A problem in a policy file: its line, column and field, the message and the fix. */
export type PolicyIssue = FileIssue;

export class PolicyError extends Error {
  constructor(
    readonly file: string,
    readonly issues: PolicyIssue[],
  ) {
    super(formatIssues(file, issues));
    this.name = 'PolicyError';
  }
}

/** "policy.yaml:12:5: rules[1].roles[0]: unknown role "writer"\n  fix: ..." per issue. */
export const formatIssues = formatFileIssues;

export { fieldPath };

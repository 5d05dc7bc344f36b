// What is wrong with a file people write (a policy, a serve config), where, and how to fix it. One
// error carries every problem found, so `certrpc policy check` shows them all at once.
import { CertrpcError } from '../errors/certrpc-error';
import { FileIssue, formatFileIssues } from './yaml-file';

/** A problem in a file: its line, column and field, the message and the fix. */
export type { FileIssue };

export class ConfigError extends CertrpcError {
  declare readonly file: string;

  constructor(
    file: string,
    readonly issues: FileIssue[],
  ) {
    super(formatFileIssues(file, issues), { code: 'CONFIG_INVALID', file });
  }

  /** "file:12:5: rules[1].roles[0]: unknown role "writer"\n  fix: ..." per issue (the message already says where). */
  describe(): string {
    return this.message;
  }
}

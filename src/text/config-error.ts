// What is wrong with a file people write (a policy, a serve config), where, and how to fix it. One
// error carries every problem found, so `certrpc policy check` shows them all at once.
// Apart from yaml-file.ts, so that a process can report a file's problems without loading the YAML
// parser (a policy is parsed in a worker thread: authz/policy-parser.ts).
import { CertrpcError } from '../errors/certrpc-error';

/** One problem in a file, where it is and how to fix it. */
export interface FileIssue {
  /** 1-based line (and column) in the file, when known. */
  line?: number;
  column?: number;
  /** The field, as a path: "rules[1].methods[0]". */
  field?: string;
  message: string;
  fix?: string;
}

/** "file.yaml:12:5: rules[1].roles[0]: unknown role "writer"\n  fix: ..." per issue. */
export function formatFileIssues(file: string, issues: readonly FileIssue[]): string {
  return issues
    .map((i) => {
      const where = i.line ? `${file}:${i.line}${i.column ? `:${i.column}` : ''}` : file;
      const head = `${where}: ${i.field ? `${i.field}: ` : ''}${i.message}`;
      return i.fix ? `${head}\n  fix: ${i.fix}` : head;
    })
    .join('\n');
}

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

// What is wrong with a policy file, where, and how to fix it. One error carries every problem
// found, so `certrpc policy check` shows them all at once instead of one per run.

export interface PolicyIssue {
  /** 1-based line (and column) in the file, when known. */
  line?: number;
  column?: number;
  /** The field, as a path: "rules[1].methods[0]". */
  field?: string;
  message: string;
  fix?: string;
}

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
export function formatIssues(file: string, issues: PolicyIssue[]): string {
  return issues
    .map((i) => {
      const where = i.line ? `${file}:${i.line}${i.column ? `:${i.column}` : ''}` : file;
      const head = `${where}: ${i.field ? `${i.field}: ` : ''}${i.message}`;
      return i.fix ? `${head}\n  fix: ${i.fix}` : head;
    })
    .join('\n');
}

/** "rules[1].methods[0]" from ["rules", 1, "methods", 0]. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '');
}

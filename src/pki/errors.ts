/** Where a PKI failure comes from and what the user can do about it; the CLI prints all three. */
export interface PkiErrorContext {
  /** The file the problem is in (certificate, key, CSR, CA). */
  file?: string;
  /** The command-line flag whose value is wrong. */
  flag?: string;
  /** One sentence telling the user how to fix it. */
  fix?: string;
}

export class PkiError extends Error {
  readonly file?: string;
  readonly flag?: string;
  readonly fix?: string;

  constructor(message: string, context: PkiErrorContext = {}) {
    super(message);
    this.name = 'PkiError';
    this.file = context.file;
    this.flag = context.flag;
    this.fix = context.fix;
  }

  /** "FILE: message" / "--flag: message", plus the fix on its own line. */
  describe(): string {
    const where = this.file ?? this.flag;
    const head = where ? `${where}: ${this.message}` : this.message;
    return this.fix ? `${head}\n  fix: ${this.fix}` : head;
  }
}

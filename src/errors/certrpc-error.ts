// The one error shape of the library: what went wrong, where (a file, or the option of the call
// that carried the bad value), and what to do about it. Every certrpc error extends it, so a
// caller handles one class and reads one set of fields. The library names options, never CLI
// flags: the CLI maps `option` to its flag and the error to an exit code (cli/run-program.ts).

export interface CertrpcErrorDetails {
  /** A stable machine-readable code ("PKI", "CONFIG_INVALID", "CONNECTION_REFUSED"...). */
  code?: string;
  /** One sentence telling the user how to fix it. */
  fix?: string;
  /** The file the problem is in. */
  file?: string;
  /** The option (of the library call, or the CLI flag it came from) whose value is wrong. */
  option?: string;
  cause?: unknown;
}

export class CertrpcError extends Error {
  readonly code: string;
  readonly fix?: string;
  readonly file?: string;
  readonly option?: string;

  constructor(message: string, details: CertrpcErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.code = details.code ?? 'CERTRPC';
    this.fix = details.fix;
    this.file = details.file;
    this.option = details.option;
  }

  /**
   * "WHERE: message", plus the fix on its own line. WHERE is the file, else the option. The CLI
   * passes its own words: the flag it maps the option to, and a fix that names flags.
   */
  describe(words: { where?: string; fix?: string } = {}): string {
    const at = this.file ?? words.where ?? this.option;
    const head = at ? `${at}: ${this.message}` : this.message;
    const fix = words.fix ?? this.fix;
    return fix ? `${head}\n  fix: ${fix}` : head;
  }
}

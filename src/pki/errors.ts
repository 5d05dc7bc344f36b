import { CertrpcError } from '../errors/certrpc-error';

/** Where a PKI failure comes from and what the user can do about it; the CLI prints all three. */
export interface PkiErrorContext {
  /** The file the problem is in (certificate, key, CSR, CA). */
  file?: string;
  /** The option whose value is wrong (the CLI names its flag). */
  option?: string;
  /** @deprecated: option. */
  flag?: string;
  /** One sentence telling the user how to fix it. */
  fix?: string;
}

/** A PKI, file or key problem: the CertrpcError of the pki/, store/ and lifecycle/ parts. */
export class PkiError extends CertrpcError {
  constructor(message: string, context: PkiErrorContext = {}) {
    super(message, { code: 'PKI', file: context.file, option: context.option ?? context.flag, fix: context.fix });
  }

  /** @deprecated the option; kept while callers move over. */
  get flag(): string | undefined {
    return this.option;
  }
}

import { CertrpcError } from '../errors/certrpc-error';

/** Where a PKI failure comes from and what the user can do about it; the CLI prints all three. */
export interface PkiErrorContext {
  /** The file the problem is in (certificate, key, CSR, CA). */
  file?: string;
  /** The option whose value is wrong (the CLI names its flag: cli/error-wording.ts). */
  option?: string;
  /** One sentence telling the user how to fix it, in terms of the library's options. */
  fix?: string;
  /** A stable code for this kind of problem (default "PKI"), e.g. for the CLI to word the fix with its flags. */
  code?: string;
}

/** A PKI, file or key problem: the CertrpcError of the pki/, store/ and lifecycle/ parts. */
export class PkiError extends CertrpcError {
  constructor(message: string, context: PkiErrorContext = {}) {
    super(message, { code: context.code ?? 'PKI', file: context.file, option: context.option, fix: context.fix });
  }
}

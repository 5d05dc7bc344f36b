// A certificate signing request as `certrpc cert inspect` prints it (pki/inspect-csr.ts describes
// it): the last row says what `cert sign` would do, with its flags.
import { displaySans, quoteNameValue } from '../../pki/name-text';
import type { CsrInfo } from '../../pki/inspect-csr';
import { oneLine } from '../../pki/inspect';

/** The text form, aligned like formatCertificateInfo. */
export function formatCsrInfo(info: CsrInfo, file?: string): string {
  const lines: string[] = [`Certificate signing request${file ? ` ${file}` : ''}:`];
  const row = (label: string, value: string | undefined) =>
    value !== undefined && value !== '' && lines.push(`  ${label.padEnd(22)}${oneLine(value)}`);
  row('Subject:', info.subject || '(empty)');
  row('Public key:', info.publicKey);
  row('Public key SHA-256:', info.publicKeySha256);
  row('Signature:', `${info.signatureAlgorithm}, ${info.signatureVerifies ? 'verifies' : 'DOES NOT VERIFY'}`);
  row('Asks for names:', info.requestedSans.length ? displaySans(info.requestedSans) : 'none');
  row('Other attributes:', info.otherSubjectAttributes.join(', '));
  row('Other extensions:', info.otherExtensions.join(', '));
  row(
    'cert sign:',
    info.signable.ok
      ? `would sign it; the certificate holds ${info.commonName ? `CN=${quoteNameValue(info.commonName)} (or --cn)` : 'the --cn given (the request has no single CN)'} and only the names stated with --san (or these, with --accept-csr-names)`
      : `REFUSES it: ${info.signable.reason}`,
  );
  return lines.join('\n');
}

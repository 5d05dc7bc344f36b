// A new key pair and a PKCS#10 request for it, made where the key will live (certrpc cert csr,
// certrpc agent): the private key never leaves this process except into its 0600 file. The request
// names a CN and, when asked, SANs; the CA still decides every name the certificate carries
// (cert sign copies requested SANs only with --accept-csr-names).
import { DEFAULT_KEY_TYPE, exportPrivateKeyPem, generateKeyPair, KeyType, signingAlgorithm, x509 } from './crypto';
import { cnText } from './distinguished-name';
import { PkiError } from './errors';
import { commonNameProblem } from './issue';
import { checkSan, San, toGeneralNames } from './subject-alt-names';

export interface KeyAndCsr {
  keyPem: string;
  csrPem: string;
}

export async function createKeyAndCsr(commonName: string, keyType: KeyType = DEFAULT_KEY_TYPE, sans: San[] = []): Promise<KeyAndCsr> {
  // The same checks as signing: a request for a malformed name is refused here, not at the CA.
  const cnProblem = commonNameProblem(commonName);
  if (cnProblem)
    throw new PkiError(`invalid common name ${JSON.stringify(commonName)}: it ${cnProblem}`, {
      option: 'commonName',
      fix: 'give a common name of 1 to 64 printable characters',
    });
  const checked = sans.map((san) => checkSan(san));
  const keys = await generateKeyPair(keyType);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: cnText(commonName),
    keys,
    signingAlgorithm: signingAlgorithm(keyType),
    extensions: checked.length > 0 ? [new x509.SubjectAlternativeNameExtension(toGeneralNames(checked), false)] : [],
  });
  return { keyPem: await exportPrivateKeyPem(keys.privateKey), csrPem: `${csr.toString('pem')}\n` };
}

// A new key pair and a PKCS#10 request for it, made where the key will live (certrpc agent): the
// private key never leaves this process except into its 0600 file. The request names a CN, and
// SANs only when the CA wants them stated (step-ca signs a CSR only if its names are its token's);
// certrpc's CA decides every name itself.
import { DEFAULT_KEY_TYPE, exportPrivateKeyPem, generateKeyPair, KeyType, signingAlgorithm, x509 } from './crypto';
import { escapeDnValue } from './name-text';
import { San, toGeneralNames } from './subject-alt-names';

export interface KeyAndCsr {
  keyPem: string;
  csrPem: string;
}

export async function createKeyAndCsr(commonName: string, keyType: KeyType = DEFAULT_KEY_TYPE, sans: San[] = []): Promise<KeyAndCsr> {
  const keys = await generateKeyPair(keyType);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${escapeDnValue(commonName)}`,
    keys,
    signingAlgorithm: signingAlgorithm(keyType),
    extensions: sans.length > 0 ? [new x509.SubjectAlternativeNameExtension(toGeneralNames(sans), false)] : [],
  });
  return { keyPem: await exportPrivateKeyPem(keys.privateKey), csrPem: csr.toString('pem') };
}

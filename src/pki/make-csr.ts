// A new key pair and a PKCS#10 request for it, made where the key will live (certrpc agent): the
// private key never leaves this process except into its 0600 file. The request names only a CN;
// the CA decides every name the certificate carries.
import { DEFAULT_KEY_TYPE, exportPrivateKeyPem, generateKeyPair, KeyType, signingAlgorithm, x509 } from './crypto';
import { cnText } from './distinguished-name';

export interface KeyAndCsr {
  keyPem: string;
  csrPem: string;
}

export async function createKeyAndCsr(commonName: string, keyType: KeyType = DEFAULT_KEY_TYPE): Promise<KeyAndCsr> {
  const keys = await generateKeyPair(keyType);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: cnText(commonName),
    keys,
    signingAlgorithm: signingAlgorithm(keyType),
  });
  return { keyPem: await exportPrivateKeyPem(keys.privateKey), csrPem: csr.toString('pem') };
}

// The PKI's one entry to cryptography: Node's WebCrypto, registered with @peculiar/x509.
// @peculiar/x509 2.x resolves its providers through tsyringe, which needs reflect-metadata
// loaded first; importing this module is what makes the rest of src/pki/ work.
import 'reflect-metadata';
import { createPrivateKey, webcrypto, KeyObject } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { PkiError } from './errors';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export { x509 };
export const subtle = webcrypto.subtle as unknown as SubtleCrypto;

export const KEY_TYPES = ['ecdsa-p256', 'ecdsa-p384', 'rsa-2048', 'rsa-4096'] as const;
export type KeyType = (typeof KEY_TYPES)[number];
export const DEFAULT_KEY_TYPE: KeyType = 'ecdsa-p256';

/** The WebCrypto algorithm used both to generate a key of this type and to sign with it. */
export function signingAlgorithm(keyType: KeyType): RsaHashedKeyGenParams | EcKeyGenParams {
  switch (keyType) {
    case 'ecdsa-p256':
      return { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as EcKeyGenParams;
    case 'ecdsa-p384':
      return { name: 'ECDSA', namedCurve: 'P-384', hash: 'SHA-384' } as EcKeyGenParams;
    case 'rsa-2048':
    case 'rsa-4096':
      return {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: keyType === 'rsa-2048' ? 2048 : 4096,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: 'SHA-256',
      };
  }
}

export function parseKeyType(value: string, option = 'keyType'): KeyType {
  if ((KEY_TYPES as readonly string[]).includes(value)) return value as KeyType;
  throw new PkiError(`unknown key type "${value}"`, {
    option,
    fix: `use one of: ${KEY_TYPES.join(', ')}`,
  });
}

export async function generateKeyPair(keyType: KeyType): Promise<CryptoKeyPair> {
  return (await subtle.generateKey(signingAlgorithm(keyType), true, ['sign', 'verify'])) as CryptoKeyPair;
}

/** PKCS#8 PEM ("BEGIN PRIVATE KEY"), what openssl, nginx, curl and grpc-js all read. */
export async function exportPrivateKeyPem(key: CryptoKey): Promise<string> {
  const der = await subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

/** The key type of a private key or certificate public key, as certrpc names it. */
export function keyTypeOf(key: KeyObject): KeyType {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec') {
    if (details.namedCurve === 'prime256v1') return 'ecdsa-p256';
    if (details.namedCurve === 'secp384r1') return 'ecdsa-p384';
  }
  if (key.asymmetricKeyType === 'rsa') {
    if (details.modulusLength === 2048) return 'rsa-2048';
    if (details.modulusLength === 4096) return 'rsa-4096';
  }
  throw new PkiError(`unsupported key (${key.asymmetricKeyType} ${details.namedCurve ?? details.modulusLength ?? ''})`, {
    fix: `use a key of type ${KEY_TYPES.join(', ')}`,
  });
}

/**
 * Imports a private key in any PEM form openssl writes (PKCS#8, PKCS#1 "RSA PRIVATE KEY",
 * SEC1 "EC PRIVATE KEY") for signing. Node's KeyObject does the parsing; WebCrypto signs.
 */
export async function importSigningKey(pem: string, file?: string): Promise<{ key: CryptoKey; keyType: KeyType }> {
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey(pem);
  } catch (err) {
    throw new PkiError(`not a readable private key: ${(err as Error).message}`, {
      file,
      fix: 'point at an unencrypted PEM private key (BEGIN PRIVATE KEY / RSA PRIVATE KEY / EC PRIVATE KEY)',
    });
  }
  const keyType = keyTypeOf(keyObject);
  const der = keyObject.export({ format: 'der', type: 'pkcs8' });
  const key = await subtle.importKey('pkcs8', der, signingAlgorithm(keyType), true, ['sign']);
  return { key, keyType };
}

// Lives in its own module (node:crypto only) so identity loading does not pull in @peculiar/x509.
export { keyMatchesCertificate } from './key-match';

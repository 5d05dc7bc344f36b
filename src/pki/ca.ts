import {
  DEFAULT_KEY_TYPE,
  exportPrivateKeyPem,
  generateKeyPair,
  importSigningKey,
  KeyType,
  keyMatchesCertificate,
  signingAlgorithm,
  x509,
} from './crypto';
import { PkiError } from './errors';
import { randomSerial } from './serial';
import { validityFor } from './validity';

export interface CertificateAndKey {
  certPem: string;
  keyPem: string;
}

export interface CreateCaOptions {
  commonName?: string;
  days?: number;
  keyType?: KeyType;
}

/** A loaded CA, ready to sign: its certificate and its private key as a WebCrypto key. */
export interface SigningCa {
  cert: x509.X509Certificate;
  certPem: string;
  key: CryptoKey;
  keyType: KeyType;
  /**
   * An intermediate CA's chain: its own certificate and any CA above it short of the trust anchor,
   * PEM, leaf-side first. Appended to every certificate it issues, so servers and clients send the
   * chain their peers need (the anchor, the root, stays in ca.crt). Absent for a root.
   */
  chainPem?: string;
}

export const DEFAULT_CA_DAYS = 3650;

/** A self-signed root: CA:TRUE (critical), keyCertSign + cRLSign, SKI and AKI, random serial. */
export async function createCa(options: CreateCaOptions = {}): Promise<CertificateAndKey> {
  const keyType = options.keyType ?? DEFAULT_KEY_TYPE;
  const keys = await generateKeyPair(keyType);
  const { notBefore, notAfter } = validityFor(options.days ?? DEFAULT_CA_DAYS);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: [{ CN: [options.commonName ?? 'certrpc CA'] }],
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: signingAlgorithm(keyType),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await exportPrivateKeyPem(keys.privateKey) };
}

export interface CreateIntermediateOptions extends CreateCaOptions {
  /** A path length of 0: the intermediate signs leaves only, never another CA. */
  pathLength?: number;
}

/**
 * An intermediate CA signed by `parent` (a root, usually): CA:TRUE with pathLen 0, keyCertSign +
 * cRLSign, SKI, and the parent's key id as AKI, valid no longer than its parent. The parent's key
 * can then go offline: the intermediate issues leaves and signs its own CRL.
 */
export async function createIntermediateCa(parent: SigningCa, options: CreateIntermediateOptions = {}): Promise<CertificateAndKey> {
  const keyType = options.keyType ?? parent.keyType;
  const keys = await generateKeyPair(keyType);
  const validity = validityFor(options.days ?? DEFAULT_CA_DAYS);
  const notAfter = validity.notAfter > parent.cert.notAfter ? parent.cert.notAfter : validity.notAfter;
  const parentSki = parent.cert.getExtension(x509.SubjectKeyIdentifierExtension);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: [{ CN: [options.commonName ?? 'certrpc intermediate CA'] }],
    issuer: parent.cert.subject,
    notBefore: validity.notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey: parent.key,
    signingAlgorithm: signingAlgorithm(parent.keyType),
    extensions: [
      new x509.BasicConstraintsExtension(true, options.pathLength ?? 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      parentSki
        ? new x509.AuthorityKeyIdentifierExtension(parentSki.keyId)
        : await x509.AuthorityKeyIdentifierExtension.create(parent.cert),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await exportPrivateKeyPem(keys.privateKey) };
}

/** Checks that the pair really is a CA and its key, then prepares it for signing. */
export async function loadSigningCa(
  certPem: string,
  keyPem: string,
  files: { cert?: string; key?: string } = {},
  chainPem?: string,
): Promise<SigningCa> {
  const cert = parseCertificate(certPem, files.cert);
  const basic = cert.getExtension(x509.BasicConstraintsExtension);
  if (!basic?.ca) {
    throw new PkiError('this certificate is not a CA (no basicConstraints CA:TRUE)', {
      file: files.cert,
      fix: 'point at the CA certificate (ca.crt), not a leaf certificate',
    });
  }
  const { key, keyType } = await importSigningKey(keyPem, files.key);
  if (!keyMatchesCertificate(keyPem, certPem)) {
    throw new PkiError('the CA key does not match the CA certificate', {
      file: files.key,
      fix: `use the key that was created with ${files.cert ?? 'the CA certificate'}`,
    });
  }
  return { cert, certPem, key, keyType, ...(chainPem ? { chainPem } : {}) };
}

/** Parses one PEM certificate, or throws a PkiError naming the file. */
export function parseCertificate(pem: string, file?: string): x509.X509Certificate {
  if (!/-----BEGIN CERTIFICATE-----/.test(pem)) {
    throw new PkiError('no PEM certificate found (expected -----BEGIN CERTIFICATE-----)', {
      file,
      fix: 'point at a PEM certificate file (.crt/.pem); convert DER with `openssl x509 -inform der`',
    });
  }
  try {
    return new x509.X509Certificate(pem.slice(pem.indexOf('-----BEGIN CERTIFICATE-----')));
  } catch (err) {
    throw new PkiError(`corrupt certificate: ${(err as Error).message}`, { file, fix: 'the PEM is damaged; re-issue or re-copy the file' });
  }
}

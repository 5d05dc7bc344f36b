import { CertificateAndKey, SigningCa } from './ca';
import { DEFAULT_KEY_TYPE, exportPrivateKeyPem, generateKeyPair, KeyType, signingAlgorithm, x509 } from './crypto';
import { PkiError } from './errors';
import { leafExtensions, Profile } from './profiles';
import { randomSerial } from './serial';
import { San, toGeneralNames } from './subject-alt-names';
import { Validity, validityFor } from './validity';

export const DEFAULT_LEAF_DAYS = 365;

export interface IssueOptions {
  profile: Profile;
  commonName: string;
  sans?: San[];
  days?: number;
  /** Explicit dates instead of `days` from now: for certificates that must be expired or not yet valid (tests, backdating). */
  validity?: Validity;
  keyType?: KeyType;
}

/** A new key pair and a certificate for it, signed by the CA. */
export async function issueCertificate(ca: SigningCa, options: IssueOptions): Promise<CertificateAndKey> {
  const keys = await generateKeyPair(options.keyType ?? DEFAULT_KEY_TYPE);
  const cert = await signPublicKey(ca, keys.publicKey, options);
  return { certPem: cert.toString('pem'), keyPem: await exportPrivateKeyPem(keys.privateKey) };
}

/** Signs someone else's public key: the core of both issuing and CSR signing. */
export async function signPublicKey(
  ca: SigningCa,
  publicKey: CryptoKey,
  options: Omit<IssueOptions, 'keyType'>,
): Promise<x509.X509Certificate> {
  if (!options.commonName || options.commonName.length > 64) {
    throw new PkiError(`invalid common name "${options.commonName}"`, { flag: '--cn', fix: 'give a common name of 1 to 64 characters' });
  }
  const { notBefore, notAfter } = options.validity ?? validityFor(options.days ?? DEFAULT_LEAF_DAYS);
  if (notAfter > ca.cert.notAfter) {
    throw new PkiError(`the certificate would outlive its CA (CA expires ${ca.cert.notAfter.toISOString()})`, {
      flag: '--days',
      fix: 'ask for fewer days, or rotate the CA first (certrpc ca rotate)',
    });
  }
  const extensions = await leafExtensions(options.profile, publicKey, ca.cert, publicKey.algorithm.name.startsWith('RSA'));
  const sans = options.sans ?? [];
  if (sans.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(toGeneralNames(sans), false));
  return x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: [{ CN: [options.commonName] }],
    issuer: ca.cert.subject,
    notBefore,
    notAfter,
    publicKey,
    signingKey: ca.key,
    signingAlgorithm: signingAlgorithm(ca.keyType),
    extensions,
  });
}

export interface SignCsrOptions {
  profile: Profile;
  days?: number;
  /** Overrides the CSR's CN. */
  commonName?: string;
  /** Added to the SANs the CSR requests. */
  sans?: San[];
}

/**
 * Signs a PKCS#10 request made elsewhere (e.g. `openssl req -new`): the private key never leaves
 * the host that made it. The CSR's self-signature is checked; its CN and requested SANs are kept,
 * but the extensions (CA flag, key usage, EKU) are certrpc's own, never the requester's.
 */
export async function signCsr(ca: SigningCa, csrPem: string, options: SignCsrOptions, file?: string): Promise<x509.X509Certificate> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem.slice(Math.max(0, csrPem.indexOf('-----BEGIN'))));
  } catch (err) {
    throw new PkiError(`not a readable certificate signing request: ${(err as Error).message}`, {
      file,
      fix: 'make one with: openssl req -new -key my.key -subj "/CN=name" -out my.csr',
    });
  }
  if (!(await csr.verify())) {
    throw new PkiError('the CSR signature does not verify (it was altered or made with another key)', { file, fix: 'create the CSR again' });
  }
  const commonName = options.commonName ?? csr.subjectName.getField('CN')[0];
  if (!commonName) {
    throw new PkiError('the CSR has no common name', { file, fix: 'add -subj "/CN=name" to openssl req, or pass --cn NAME' });
  }
  const requested = csr.extensions.find((e): e is x509.SubjectAlternativeNameExtension => e instanceof x509.SubjectAlternativeNameExtension);
  const kind = { dns: 'DNS', ip: 'IP', url: 'URI', email: 'email' } as const;
  const fromCsr: San[] = (requested?.names.items ?? []).flatMap((n) =>
    n.type in kind ? [{ type: kind[n.type as keyof typeof kind], value: n.value }] : [],
  );
  const sans = [...fromCsr, ...(options.sans ?? [])];
  const publicKey = await csr.publicKey.export(signingAlgorithmForCsr(csr), ['verify']);
  return signPublicKey(ca, publicKey, { profile: options.profile, commonName, sans, days: options.days });
}

function signingAlgorithmForCsr(csr: x509.Pkcs10CertificateRequest): Algorithm {
  const alg = csr.publicKey.algorithm as Algorithm & { namedCurve?: string };
  if (alg.name === 'ECDSA') return { name: 'ECDSA', namedCurve: alg.namedCurve } as EcKeyImportParams;
  return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as RsaHashedImportParams;
}

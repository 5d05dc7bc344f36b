import { CertificateAndKey, SigningCa } from './ca';
import { DEFAULT_KEY_TYPE, exportPrivateKeyPem, generateKeyPair, KeyType, signingAlgorithm, x509 } from './crypto';
import { PkiError } from './errors';
import { leafExtensions, Profile } from './profiles';
import { randomSerial } from './serial';
import { CheckedCsr, readCsr } from './csr';
import { quoteNameValue } from './name-text';
import { checkSan, San, toGeneralNames } from './subject-alt-names';
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
  /** A server certificate usable as a client certificate too (agent-managed servers renew over mutual TLS). */
  serverAlsoClient?: boolean;
}

/** A new key pair and a certificate for it, signed by the CA; certPem carries the CA's chain (an intermediate) after it. */
export async function issueCertificate(ca: SigningCa, options: IssueOptions): Promise<CertificateAndKey> {
  const keys = await generateKeyPair(options.keyType ?? DEFAULT_KEY_TYPE);
  const cert = await signPublicKey(ca, keys.publicKey, options);
  return { certPem: withChain(ca, cert), keyPem: await exportPrivateKeyPem(keys.privateKey) };
}

/**
 * The certificate as NAME.crt holds it: the leaf, then the issuing intermediate's chain (none for a
 * root). TLS peers send the whole file, so the other side can build the path to the root it trusts.
 */
export function withChain(ca: SigningCa, cert: x509.X509Certificate): string {
  const leaf = cert.toString('pem');
  return ca.chainPem ? `${leaf}\n${ca.chainPem.trim()}\n` : leaf;
}

/** Signs someone else's public key: the core of both issuing and CSR signing. */
export async function signPublicKey(
  ca: SigningCa,
  publicKey: CryptoKey,
  options: Omit<IssueOptions, 'keyType'>,
): Promise<x509.X509Certificate> {
  const cnProblem = commonNameProblem(options.commonName ?? '');
  if (cnProblem)
    throw new PkiError(`invalid common name ${JSON.stringify(options.commonName ?? '')}: it ${cnProblem}`, {
      option: 'commonName',
      fix: 'give a common name of 1 to 64 printable characters',
    });
  // Every name is checked here, the one place all issuing passes: a malformed name is never signed.
  const sans = (options.sans ?? []).map((san) => checkSan(san));
  if (options.profile === 'server' && sans.length === 0) {
    // Clients match the name they dial against the SANs (RFC 6125); the CN fallback is deprecated (Go dropped it).
    throw new PkiError(
      'a server certificate needs at least one subject alternative name: clients check the name they dial against the SANs, not the CN',
      {
        code: 'SERVER_NEEDS_SAN',
        fix: 'state the names clients dial as sans, e.g. DNS:host.example,IP:10.0.0.5',
      },
    );
  }
  const { notBefore, notAfter } = options.validity ?? validityFor(options.days ?? DEFAULT_LEAF_DAYS);
  if (notAfter > ca.cert.notAfter) {
    throw new PkiError(`the certificate would outlive its CA (CA expires ${ca.cert.notAfter.toISOString()})`, {
      option: 'days',
      fix: 'ask for fewer days, or rotate the CA first (rotateCa)',
    });
  }
  const extensions = await leafExtensions(
    options.profile,
    publicKey,
    ca.cert,
    publicKey.algorithm.name.startsWith('RSA'),
    options.serverAlsoClient,
  );
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
  /** Explicit dates instead of `days` (short-lived certificates: validityForLifetime). */
  validity?: Validity;
  serverAlsoClient?: boolean;
  /** The CN; default: the CSR's CN when it has exactly one. */
  commonName?: string;
  /** The SANs, as the signer states them. */
  sans?: San[];
  /** Also copy the SANs the CSR asks for, each checked as --san would check it (--accept-csr-names). */
  acceptCsrNames?: boolean;
}

/**
 * Signs a PKCS#10 request made elsewhere (e.g. `openssl req -new`): the private key never leaves
 * the host that made it. The requester does not choose its identity: the subject is one CN (--cn,
 * or the CSR's single CN), the SANs are the signer's (--san) plus the CSR's only when asked
 * (acceptCsrNames), and the extensions are the profile's. Nothing else of the CSR is copied.
 */
export async function signCsr(
  ca: SigningCa,
  csr: CheckedCsr | string,
  options: SignCsrOptions,
  file?: string,
): Promise<x509.X509Certificate> {
  const request = typeof csr === 'string' ? await readCsr(csr, file) : csr;
  let commonName = options.commonName;
  if (commonName === undefined) {
    if (request.commonNames.length !== 1) {
      throw new PkiError(
        request.commonNames.length === 0
          ? 'the CSR has no common name'
          : `the CSR has ${request.commonNames.length} common names (${request.commonNames.map(quoteNameValue).join(', ')}); which one is the identity would be a guess`,
        {
          file,
          code: 'CSR_NO_CN',
          fix: 'state it: the commonName option',
        },
      );
    }
    commonName = request.commonNames[0];
    const problem = commonNameProblem(commonName);
    if (problem)
      throw new PkiError(`the CSR's common name ${JSON.stringify(commonName)} ${problem}`, {
        file,
        code: 'CSR_BAD_CN',
        fix: 'state another: the commonName option',
      });
  }
  const sans = [...(options.sans ?? [])];
  if (options.acceptCsrNames) {
    if (request.sanExtensions > 1)
      throw new PkiError(`the CSR holds ${request.sanExtensions} subjectAltName extensions; which one is the request would be a guess`, {
        file,
        code: 'CSR_SAN_EXTENSIONS',
        fix: 'make the CSR again with one, or sign without acceptCsrNames and state the names as sans',
      });
    if (request.unsupportedSans.length > 0) {
      throw new PkiError(`the CSR asks for names certrpc does not issue: ${request.unsupportedSans.join(', ')}`, {
        file,
        code: 'CSR_UNSUPPORTED_SANS',
        fix: 'sign without acceptCsrNames and state the names as sans (TYPE:VALUE,...)',
      });
    }
    for (const san of request.requestedSans) sans.push(checkSan(san, { file }));
  }
  if (options.profile === 'server' && sans.length === 0) {
    throw new PkiError(
      'a server certificate needs at least one subject alternative name (clients check the name they dial against the SANs, not the CN), and none was stated',
      {
        file,
        code: request.requestedSans.length > 0 ? 'CSR_NO_SANS_STATED' : 'CSR_NO_SANS',
        fix: `state them as sans, e.g. DNS:host.example,IP:10.0.0.5${request.requestedSans.length > 0 ? ', or copy the ones the CSR asks for (acceptCsrNames)' : ''}`,
      },
    );
  }
  const unique = sans.filter((san, i) => sans.findIndex((o) => o.type === san.type && o.value === san.value) === i);
  const publicKey = await request.csr.publicKey.export(signingAlgorithmForCsr(request.csr), ['verify']);
  return signPublicKey(ca, publicKey, {
    profile: options.profile,
    commonName,
    sans: unique,
    days: options.days,
    validity: options.validity,
    serverAlsoClient: options.serverAlsoClient,
  });
}

/** Why a CN cannot be issued, or undefined. Control characters would print as something else than they are. */
export function commonNameProblem(cn: string): string | undefined {
  if (cn.length < 1 || cn.length > 64) return 'is not 1 to 64 characters long';
  if ([...cn].some((c) => c < ' ' || (c >= '\u007f' && c <= '\u009f'))) return 'holds control characters';
  return undefined;
}

function signingAlgorithmForCsr(csr: x509.Pkcs10CertificateRequest): Algorithm {
  const alg = csr.publicKey.algorithm as Algorithm & { namedCurve?: string };
  if (alg.name === 'ECDSA') return { name: 'ECDSA', namedCurve: alg.namedCurve } as EcKeyImportParams;
  return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as RsaHashedImportParams;
}

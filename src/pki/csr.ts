// A PKCS#10 request made elsewhere, read as hostile input: it must parse, carry a key certrpc would
// generate itself (or a stronger one), and be signed by that key. What it asks for (subject, SANs,
// extensions) is only reported: the signer decides what the certificate says (issue.ts signCsr).
import { createPublicKey, KeyObject } from 'node:crypto';
import { x509 } from './crypto';
import { PkiError } from './errors';
import { quoteNameValue } from './name-text';
import { San, SanType } from './subject-alt-names';
import { attributeText } from './distinguished-name';

export interface CheckedCsr {
  csr: x509.Pkcs10CertificateRequest;
  /** e.g. "ECDSA P-256", "RSA 3072 bit". */
  publicKey: string;
  /** The requested subject, every value escaped (RFC 4514), in the CSR's order: "CN=app, O=Acme". */
  subject: string;
  /** The CSR's CN values (certrpc signs a request with exactly one, or with --cn). */
  commonNames: string[];
  /** Subject attributes other than CN ("O=Acme"): never copied into a certificate. */
  otherSubjectAttributes: string[];
  /** The names it asks for, of the types certrpc issues (DNS, IP, URI, email). */
  requestedSans: San[];
  /** Names it asks for of other types (DirName, otherName, ...), as text: certrpc never issues them. */
  unsupportedSans: string[];
  /** More than one SAN extension: which one "the" request is would be a guess. */
  sanExtensions: number;
  /** Other extensions it asks for, e.g. "basicConstraints CA:TRUE": never copied (profiles.ts decides). */
  otherExtensions: string[];
}

const MIN_RSA_BITS = 2048;
const MAX_RSA_BITS = 16384;
/** FIPS 186-4 B.3.1: 2^16 < e. Small exponents have a history of broken padding checks. */
const MIN_RSA_EXPONENT = 65537n;
/** Curves as OpenSSL names them -> as certrpc prints them. P-256 is the floor; these are what WebCrypto and TLS peers take. */
const CURVES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };
const FIX_KEY =
  'make the key and CSR again with a P-256 key: openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout my.key -subj "/CN=name" -out my.csr (or RSA: -newkey rsa:3072)';

/** Parses, checks the key's type and strength, then the self-signature. Throws PkiError naming the file and the reason. */
export async function readCsr(csrPem: string, file?: string): Promise<CheckedCsr> {
  let csr: x509.Pkcs10CertificateRequest;
  let extensions: x509.Extension[];
  try {
    // The PEM reader finds the block itself: text before it (openssl req -text) is skipped.
    csr = new x509.Pkcs10CertificateRequest(csrPem);
    extensions = csr.extensions;
  } catch (err) {
    throw new PkiError(`not a readable certificate signing request: ${(err as Error).message}`, {
      file,
      fix: 'make one with: openssl req -new -key my.key -subj "/CN=name" -out my.csr',
    });
  }
  const publicKey = checkKey(csr, file);
  // Key first: a weak or unknown key is refused with that reason, not as a signature WebCrypto cannot check.
  let verified: boolean;
  try {
    verified = await csr.verify();
  } catch (err) {
    // Not "altered": WebCrypto cannot check this signature at all (an unknown signature algorithm, a
    // key stated with explicit curve parameters). Refused all the same, with the reason that is true.
    throw new PkiError(
      `the CSR's signature cannot be checked (${(err as Error).message}): its key or signature algorithm is encoded in a way certrpc does not read`,
      {
        file,
        fix: FIX_KEY,
      },
    );
  }
  if (!verified) {
    throw new PkiError(
      'the CSR signature does not verify: it was altered after it was made, or made with another key than the one it carries',
      {
        file,
        fix: 'create the CSR again on the host that holds the key (openssl req -new -key my.key ...)',
      },
    );
  }
  return { csr, publicKey, ...requestedFields(csr, extensions) };
}

/** What a request asks for, read without judging it (readCsr judges; cert inspect shows a refused request too). */
export function requestedFields(
  csr: x509.Pkcs10CertificateRequest,
  extensions: x509.Extension[] = csr.extensions,
): Omit<CheckedCsr, 'csr' | 'publicKey'> {
  const sanExtensions = extensions.filter(
    (e): e is x509.SubjectAlternativeNameExtension => e instanceof x509.SubjectAlternativeNameExtension,
  );
  const names = sanExtensions.flatMap((e) => e.names.items);
  const attributes = csr.subjectName
    .toJSON()
    .flatMap((rdn) => Object.entries(rdn).flatMap(([type, values]) => values.map((value) => ({ type, value }))));
  const text = (a: { type: string; value: string }) => attributeText(a.type, a.value);
  return {
    subject: attributes.map(text).join(', '),
    commonNames: attributes.filter((a) => a.type === 'CN').map((a) => a.value),
    otherSubjectAttributes: attributes.filter((a) => a.type !== 'CN').map(text),
    requestedSans: names.flatMap((n) =>
      n.type in SAN_TYPES ? [{ type: SAN_TYPES[n.type as keyof typeof SAN_TYPES], value: n.value }] : [],
    ),
    unsupportedSans: names.filter((n) => !(n.type in SAN_TYPES)).map((n) => `${n.type}:${quoteNameValue(n.value)}`),
    sanExtensions: sanExtensions.length,
    otherExtensions: extensions.filter((e) => !(e instanceof x509.SubjectAlternativeNameExtension)).map(describeExtension),
  };
}

const SAN_TYPES: Record<'dns' | 'ip' | 'url' | 'email', SanType> = { dns: 'DNS', ip: 'IP', url: 'URI', email: 'email' };

/** The key as Node reads it (not as WebCrypto would: it must also name keys WebCrypto cannot import, to refuse them by name). */
function checkKey(csr: x509.Pkcs10CertificateRequest, file?: string): string {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(csr.publicKey.rawData), format: 'der', type: 'spki' });
  } catch (err) {
    throw new PkiError(`the CSR's public key is of a type certrpc cannot read (${(err as Error).message})`, { file, fix: FIX_KEY });
  }
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  if (type === 'ec') {
    const curve = CURVES[details.namedCurve ?? ''];
    if (!curve)
      throw new PkiError(
        `the CSR's key is on the curve ${details.namedCurve ?? '(unnamed)'}; certrpc signs P-256, P-384 and P-521 keys only`,
        { file, fix: FIX_KEY },
      );
    return `ECDSA ${curve}`;
  }
  if (type === 'rsa') {
    const bits = details.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS)
      throw new PkiError(`the CSR's key is RSA ${bits} bit, weaker than the ${MIN_RSA_BITS} bits certrpc requires`, { file, fix: FIX_KEY });
    if (bits > MAX_RSA_BITS)
      throw new PkiError(`the CSR's key is RSA ${bits} bit, more than the ${MAX_RSA_BITS} bits certrpc accepts`, { file, fix: FIX_KEY });
    if ((details.publicExponent ?? 0n) < MIN_RSA_EXPONENT) {
      throw new PkiError(
        `the CSR's RSA key has the public exponent ${details.publicExponent}; certrpc requires at least ${MIN_RSA_EXPONENT}`,
        { file, fix: FIX_KEY },
      );
    }
    return `RSA ${bits} bit`;
  }
  throw new PkiError(
    `the CSR's key is of type ${type ?? 'unknown'}; certrpc signs ECDSA (P-256, P-384, P-521) and RSA (2048 bits or more) keys only`,
    { file, fix: FIX_KEY },
  );
}

function describeExtension(ext: x509.Extension): string {
  if (ext instanceof x509.BasicConstraintsExtension) return `basicConstraints CA:${ext.ca ? 'TRUE' : 'FALSE'}`;
  if (ext instanceof x509.KeyUsagesExtension) return 'keyUsage';
  if (ext instanceof x509.ExtendedKeyUsageExtension) return 'extendedKeyUsage';
  return ext.type;
}

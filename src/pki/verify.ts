import { X509Certificate } from 'node:crypto';
import { ekuAllows, Profile } from './profiles';
import { normalizeSerial } from './serial';
import { dnLine } from './distinguished-name';
import type * as CertificateFields from './certificate-fields';
import type * as NameConstraints from './name-constraints';
import type * as PathLength from './path-length';

/** Why a certificate does not verify, with the code OpenSSL and Node use for the same failure. */
export type VerifyCode =
  | 'OK'
  | 'CERT_HAS_EXPIRED'
  | 'CERT_NOT_YET_VALID'
  | 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'
  | 'CERT_SIGNATURE_FAILURE'
  | 'INVALID_CA'
  | 'PATH_LENGTH_EXCEEDED'
  | 'PROXY_CERTIFICATES_NOT_ALLOWED'
  | 'INVALID_PURPOSE'
  | 'CERT_REVOKED'
  | NameConstraints.NameConstraintCode;

export interface VerifyResult {
  ok: boolean;
  code: VerifyCode;
  /** The reason in words, naming what was wrong. */
  reason: string;
  /** Subjects from the leaf up to the trusted root, when a chain was found. */
  chain: string[];
}

export interface VerifyOptions {
  now?: Date;
  /** When given, the leaf's extended key usage must allow it. */
  purpose?: Profile;
  /** Serials (lower-case hex) a CRL lists as revoked. */
  revokedSerials?: ReadonlySet<string>;
  /**
   * Intermediate CA certificates to build the path with (the rest of a chain file, openssl's
   * -untrusted): used only between the leaf and a trusted CA, never as a trust anchor.
   */
  intermediates?: X509Certificate[];
}

const MAX_DEPTH = 8;

function expiryProblem(cert: X509Certificate, now: Date, what: string): VerifyResult | undefined {
  if (now < new Date(cert.validFrom)) {
    return fail('CERT_NOT_YET_VALID', `${what} is not valid before ${new Date(cert.validFrom).toISOString()}`);
  }
  if (now > new Date(cert.validTo)) return fail('CERT_HAS_EXPIRED', `${what} expired on ${new Date(cert.validTo).toISOString()}`);
  return undefined;
}

function fail(code: VerifyCode, reason: string, chain: string[] = []): VerifyResult {
  return { ok: false, code, reason, chain };
}

export function serialHex(cert: X509Certificate): string {
  return normalizeSerial(cert.serialNumber);
}

/**
 * Verifies a leaf against trusted roots the way a TLS peer would: validity, issuer signature up to a
 * trusted self-signed or anchored certificate, CA flags, pathLen, name constraints, optional purpose
 * and revocation.
 */
export function verifyCertificate(leaf: X509Certificate, trusted: X509Certificate[], options: VerifyOptions = {}): VerifyResult {
  const now = options.now ?? new Date();
  const leafName = `certificate "${dnLine(leaf.subject)}"`;
  const chain = [dnLine(leaf.subject)];
  const expired = expiryProblem(leaf, now, leafName);
  if (expired) return expired;
  if (options.revokedSerials?.has(serialHex(leaf))) {
    return fail('CERT_REVOKED', `${leafName} (serial ${serialHex(leaf)}) is revoked`);
  }
  if (options.purpose && !ekuAllows(leaf.keyUsage, options.purpose)) {
    return fail(
      'INVALID_PURPOSE',
      `${leafName} is not for ${options.purpose} authentication (its extended key usage does not include ${options.purpose}Auth)`,
    );
  }
  let current = leaf;
  let reached = false;
  /** The CAs of the path, from the leaf's issuer up. */
  const cas: X509Certificate[] = [];
  const untrusted = options.intermediates ?? [];
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const signedCurrent = (ca: X509Certificate) => current.checkIssued(ca) && current.verify(ca.publicKey);
    // A trusted CA ends the search; an intermediate from the chain only leads towards one.
    const anchor = trusted.find(signedCurrent);
    const issuer = anchor ?? untrusted.find((ca) => ca !== current && !ca.checkIssued(ca) && signedCurrent(ca));
    if (!issuer) {
      const sameName = [...trusted, ...untrusted].some((ca) => current.checkIssued(ca));
      if (sameName) {
        return fail(
          'CERT_SIGNATURE_FAILURE',
          `${leafName}: a CA has the issuer's name "${dnLine(current.issuer)}" but did not sign it (a different CA with the same name)`,
          chain,
        );
      }
      return fail(
        'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
        `${leafName}${current === leaf ? '' : ` (via "${dnLine(current.subject)}")`} was issued by "${dnLine(current.issuer)}", which is not among the trusted CAs (${trusted.map((c) => `"${dnLine(c.subject)}"`).join(', ') || 'none'})`,
        chain,
      );
    }
    if (!issuer.ca) return fail('INVALID_CA', `"${dnLine(issuer.subject)}" signed ${leafName} but is not a CA`, chain);
    const issuerExpired = expiryProblem(issuer, now, `CA "${dnLine(issuer.subject)}"`);
    if (issuerExpired) return { ...issuerExpired, chain };
    if (issuer === current) {
      reached = true;
      break;
    }
    cas.push(issuer);
    if (options.revokedSerials?.has(serialHex(issuer)) && !issuer.checkIssued(issuer)) {
      return fail(
        'CERT_REVOKED',
        `CA "${dnLine(issuer.subject)}" (serial ${serialHex(issuer)}) in the chain of ${leafName} is revoked`,
        chain,
      );
    }
    chain.push(dnLine(issuer.subject));
    if (issuer.checkIssued(issuer)) {
      // A self-signed certificate ends the path: only a trusted one is an anchor.
      reached = issuer === anchor;
      break;
    }
    current = issuer;
  }
  if (!reached) {
    return fail(
      'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
      `${leafName}: no path to a trusted self-signed CA within ${MAX_DEPTH} certificates`,
      chain,
    );
  }
  // Loaded here, not with this module: a server imports verify.ts and never needs the asn1 stack for it.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { isProxyCertificate, parsedCertificate } = require('./certificate-fields') as typeof CertificateFields;
  const { pathLengthProblem } = require('./path-length') as typeof PathLength;
  const { nameConstraintsProblem } = require('./name-constraints') as typeof NameConstraints;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const proxy = [leaf, ...cas].find((cert) => isProxyCertificate(parsedCertificate(cert)));
  if (proxy) {
    return fail(
      'PROXY_CERTIFICATES_NOT_ALLOWED',
      `"${dnLine(proxy.subject)}" is a proxy certificate (RFC 3820 proxyCertInfo), which TLS peers refuse`,
      chain,
    );
  }
  const tooLong = pathLengthProblem(cas);
  if (tooLong) {
    return fail(
      'PATH_LENGTH_EXCEEDED',
      `CA "${dnLine(tooLong.ca.subject)}" has pathlen:${tooLong.limit}, and the path to ${leafName} has ${tooLong.below} CA certificate(s) below it`,
      chain,
    );
  }
  const outside = nameConstraintsProblem([leaf, ...cas]);
  if (outside) return fail(outside.code, outside.reason, chain);
  return { ok: true, code: 'OK', reason: 'chain verified to a trusted CA', chain };
}

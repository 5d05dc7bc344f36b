// A certificate read field by field with @peculiar/asn1-x509, for certrpc's own path checks
// (pathLen, name constraints), where Node's X509Certificate does not expose the field.
import type { X509Certificate as NodeCertificate } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import { canonicalRdns } from './name-match';

export function parsedCertificate(cert: NodeCertificate): Certificate {
  return AsnConvert.parse(cert.raw, Certificate);
}

/** The extension `oid` decoded as `type`, with its raw bytes (undefined when the certificate has none). */
export function extension<T>(cert: Certificate, oid: string, type: new () => T): { value: T; raw: Buffer } | undefined {
  const ext = cert.tbsCertificate.extensions?.find((e) => e.extnID === oid);
  if (!ext) return undefined;
  const raw = Buffer.from(ext.extnValue.buffer);
  return { value: AsnConvert.parse(raw, type), raw };
}

/**
 * Self-issued as OpenSSL 3 means it (EXFLAG_SI): subject and issuer equal by X509_NAME_cmp on their
 * canonical forms, whatever the keys. A CA's rollover certificate (its new key signed by its old
 * one) is self-issued: pathLen does not count it, and name constraints do not apply to it.
 */
export function isSelfIssued(cert: Certificate): boolean {
  const subject = canonicalRdns(cert.tbsCertificate.subject);
  const issuer = canonicalRdns(cert.tbsCertificate.issuer);
  // A name certrpc cannot read exactly (undefined) is not self-issued: the CA counts towards pathLen
  // and its issuers' name constraints apply to it (stricter than OpenSSL may be, never looser).
  return subject !== undefined && JSON.stringify(subject) === JSON.stringify(issuer);
}

/**
 * An RFC 3820 proxy certificate: OpenSSL refuses one anywhere in a path unless told to allow them
 * (X509_V_FLAG_ALLOW_PROXY_CERTS), and Node's TLS never tells it to.
 */
export function isProxyCertificate(cert: Certificate): boolean {
  // id-pe-proxyCertInfo
  return cert.tbsCertificate.extensions?.some((e) => e.extnID === '1.3.6.1.5.5.7.1.14') ?? false;
}

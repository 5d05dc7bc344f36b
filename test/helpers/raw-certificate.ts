// A certificate assembled from @peculiar/asn1-x509 objects and signed once with node:crypto, so its
// names keep the exact bytes given: @peculiar/x509's generator re-parses names and writes lossy
// ones back (a UniversalString loses every character above U+FFFF).
import { generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  BasicConstraints,
  Certificate,
  Extension,
  Extensions,
  id_ce_basicConstraints,
  Name,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509';
import { asn1Name } from './asn1-name';

const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';

export interface RawCertificate {
  der: Buffer;
  name: Name;
  privateKey: KeyObject;
}

/** `subject` signed by `issuer` (itself when absent), with basicConstraints (a CA when `ca` or a pathLength is given) and `extensions`. */
export function rawCertificate(
  subject: Name,
  issuer?: RawCertificate,
  options: { pathLength?: number; ca?: boolean; extensions?: Extension[] } = {},
): RawCertificate {
  const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ca = options.ca ?? options.pathLength !== undefined;
  const constraints = new BasicConstraints({
    cA: ca,
    ...(options.pathLength !== undefined ? { pathLenConstraint: options.pathLength } : {}),
  });
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: new Uint8Array([0x01, ...Array.from({ length: 8 }, () => Math.floor(Math.random() * 256))]).buffer,
    signature: new AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA256 }),
    issuer: issuer?.name ?? subject,
    validity: new Validity({ notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 86_400_000) }),
    subject,
    subjectPublicKeyInfo: AsnConvert.parse(keys.publicKey.export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo),
    extensions: new Extensions([
      new Extension({ extnID: id_ce_basicConstraints, critical: true, extnValue: new OctetString(AsnConvert.serialize(constraints)) }),
      ...(options.extensions ?? []),
    ]),
  });
  const tbsDer = Buffer.from(AsnConvert.serialize(tbs));
  const signature = sign('sha256', tbsDer, issuer?.privateKey ?? keys.privateKey);
  const cert = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: new AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA256 }),
    signatureValue: new Uint8Array(signature).buffer,
  });
  return { der: Buffer.from(AsnConvert.serialize(cert)), name: subject, privateKey: keys.privateKey };
}

/** A one-attribute name whose value is a UniversalString (UCS-4 big-endian) of `text`, every code point kept. */
export function universalStringName(type: string, text: string): Name {
  const points = [...text].map((c) => c.codePointAt(0)!);
  const value = Buffer.alloc(2 + 4 * points.length);
  value.writeUInt8(0x1c, 0);
  value.writeUInt8(4 * points.length, 1);
  points.forEach((p, i) => value.writeUInt32BE(p, 2 + 4 * i));
  // Kept as raw bytes (anyValue): parsed, the value would be asn1js's lossy text.
  return asn1Name([[type, { anyValue: new Uint8Array(value).buffer }]]);
}

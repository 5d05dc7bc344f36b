// A chain built with @peculiar/x509 under a root whose name constraints @peculiar/asn1-x509
// serializes (or raw DER), verified by verifyCertificate: for name-constraint tests on certificates
// `openssl req`/`x509` will not write (odd string types, NULs, raw constraints).
import { X509Certificate } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { GeneralName, GeneralSubtree, GeneralSubtrees, id_ce_nameConstraints, Name, NameConstraints } from '@peculiar/asn1-x509';
import { subtle, x509 } from '../../src/pki/crypto';
import { verifyCertificate } from '../../src/pki/verify';

export const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
export type NameInput = x509.JsonNameParams | string | Name;
export const validity = { notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 86_400_000) };
export const keys = async () => (await subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
/** A constrained root (its constraints DER-encoded by asn1-x509, or raw bytes), optionally an intermediate, then the leaf. */
export async function verifyUnderConstraints(
  constraints: NameConstraints | ArrayBuffer,
  leaf: { name: NameInput; sans?: x509.JsonGeneralNames },
  options: { rootName?: string; middle?: { name: NameInput; sans?: x509.JsonGeneralNames } } = {},
) {
  const rootKeys = await keys();
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: options.rootName ?? 'CN=generated root',
    ...validity,
    keys: rootKeys,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
      new x509.Extension(id_ce_nameConstraints, true, constraints instanceof ArrayBuffer ? constraints : AsnConvert.serialize(constraints)),
    ],
  });
  let issuer = { cert: root, keys: rootKeys };
  const intermediates: X509Certificate[] = [];
  if (options.middle) {
    const middleKeys = await keys();
    const middle = await x509.X509CertificateGenerator.create({
      serialNumber: '03',
      subject: new x509.Name(options.middle.name),
      issuer: root.subject,
      ...validity,
      publicKey: middleKeys.publicKey,
      signingKey: rootKeys.privateKey,
      signingAlgorithm: algorithm,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
        ...(options.middle.sans ? [new x509.SubjectAlternativeNameExtension(options.middle.sans)] : []),
      ],
    });
    intermediates.push(new X509Certificate(middle.toString('pem')));
    issuer = { cert: middle, keys: middleKeys };
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: '02',
    subject: new x509.Name(leaf.name),
    issuer: issuer.cert.subject,
    ...validity,
    publicKey: (await keys()).publicKey,
    signingKey: issuer.keys.privateKey,
    signingAlgorithm: algorithm,
    extensions: leaf.sans ? [new x509.SubjectAlternativeNameExtension(leaf.sans)] : [],
  });
  return verifyCertificate(new X509Certificate(cert.toString('pem')), [new X509Certificate(root.toString('pem'))], { intermediates });
}
export const permit = (...names: GeneralName[]) =>
  new NameConstraints({ permittedSubtrees: new GeneralSubtrees(names.map((base) => new GeneralSubtree({ base }))) });
export const exclude = (...names: GeneralName[]) =>
  new NameConstraints({ excludedSubtrees: new GeneralSubtrees(names.map((base) => new GeneralSubtree({ base }))) });
export const dnsSubtree = (dNSName: string, extra: Partial<GeneralSubtree> = {}) =>
  new GeneralSubtree({ base: new GeneralName({ dNSName }), ...extra });

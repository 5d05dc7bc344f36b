// Does DIR/crl.pem (or DIR/revocations.json) list our certificate? Asked by doctor, and by call,
// list and describe when the server refused our certificate. The CRL parser (x509) is loaded
// here only, on that path: the calling verbs' start-up stays light.
import type { LocalRevocation } from '../../client/local-revocation';

export async function localRevocation(certPem: string, caPem: string, dir: string): Promise<LocalRevocation | undefined> {
  const [{ X509Certificate }, { revocationOf }, { PkiDir }, { parseCertificateBundle }, { PkiError }] = await Promise.all([
    import('node:crypto'),
    import('../../lifecycle/revocation-status'),
    import('../../store/pki-dir'),
    import('../../pki/pem'),
    import('../../pki/errors'),
  ]);
  try {
    return (await revocationOf(new X509Certificate(certPem), new PkiDir(dir), parseCertificateBundle(caPem))).revoked;
  } catch (err) {
    if (err instanceof PkiError) return undefined; // a damaged local CRL is not what is being diagnosed
    throw err;
  }
}

// The PKI `npm start` needs, created once in certs/: a CA, the server, alice and bob, and mallory,
// whose certificate is self-signed so no CA vouches for it (the valid/invalid client demo).
import { existsSync } from 'node:fs';
import { createCa } from '../pki/ca';
import { exportPrivateKeyPem, generateKeyPair, signingAlgorithm, DEFAULT_KEY_TYPE, x509 } from '../pki/crypto';
import { issueCertificate } from '../pki/issue';
import { PROFILE_EKU } from '../pki/profiles';
import { randomSerial } from '../pki/serial';
import { parseSanList } from '../pki/subject-alt-names';
import { validityFor } from '../pki/validity';
import { PkiDir } from '../store/pki-dir';

export const DEMO_CLIENTS = ['alice', 'bob'] as const;

/** Creates whatever of the demo PKI is missing; returns the names it created. */
export async function ensureDemoPki(pki: PkiDir): Promise<string[]> {
  const created: string[] = [];
  if (!pki.hasCa()) {
    pki.writeCa(await createCa({ commonName: 'certrpc demo CA' }));
    created.push('ca');
  }
  const ca = await pki.loadCa();
  if (!pki.has('server')) {
    const sans = parseSanList('DNS:localhost,IP:127.0.0.1,IP:::1,URI:spiffe://certrpc.demo/service/demo');
    pki.writeIdentity('server', await issueCertificate(ca, { profile: 'server', commonName: 'localhost', sans }));
    created.push('server');
  }
  for (const name of DEMO_CLIENTS) {
    if (pki.has(name)) continue;
    const sans = parseSanList(`URI:spiffe://certrpc.demo/user/${name}`);
    pki.writeIdentity(name, await issueCertificate(ca, { profile: 'client', commonName: name, sans }));
    created.push(name);
  }
  if (!existsSync(pki.certFile('mallory'))) {
    pki.writeIdentity('mallory', await selfSignedClient('mallory'));
    created.push('mallory');
  }
  return created;
}

/** A client certificate that signs itself: what an attacker without the CA key can make. */
async function selfSignedClient(commonName: string) {
  const keys = await generateKeyPair(DEFAULT_KEY_TYPE);
  const { notBefore, notAfter } = validityFor(365);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: [{ CN: [commonName] }],
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: signingAlgorithm(DEFAULT_KEY_TYPE),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([PROFILE_EKU.client]),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await exportPrivateKeyPem(keys.privateKey) };
}

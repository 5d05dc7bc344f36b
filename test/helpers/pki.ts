// A real PKI per test suite, made with certrpc's own library (the CLI tests cover the CLI path).
import { readFileSync } from 'node:fs';
import { createCa } from '../../src/pki/ca';
import { issueCertificate, IssueOptions } from '../../src/pki/issue';
import { parseSanList } from '../../src/pki/subject-alt-names';
import { ensureDemoPki } from '../../src/demo/demo-pki';
import { PkiDir } from '../../src/store/pki-dir';
import { ClientTlsMaterial } from '../../src/tls/client-credentials';

/** The demo PKI (ca, server, alice, bob, mallory) in dir. */
export async function demoPki(dir: string): Promise<PkiDir> {
  const pki = new PkiDir(dir);
  await ensureDemoPki(pki);
  return pki;
}

/** Issues one more identity into the PKI directory. */
export async function issue(pki: PkiDir, name: string, options: Partial<IssueOptions> & { san?: string } = {}): Promise<void> {
  const ca = await pki.loadCa();
  const pair = await issueCertificate(ca, {
    profile: options.profile ?? 'client',
    commonName: options.commonName ?? name,
    sans: options.sans ?? parseSanList(options.san),
    days: options.days,
    validity: options.validity,
    keyType: options.keyType,
  });
  pki.writeIdentity(name, pair);
}

/** A second, unrelated CA in its own directory (e.g. for "signed by another CA" cases). */
export async function otherCa(dir: string): Promise<PkiDir> {
  const pki = new PkiDir(dir);
  pki.writeCa(await createCa({ commonName: 'some other CA' }));
  return pki;
}

/** Client TLS material for NAME from the PKI directory (trusting its ca.crt). */
export function clientTls(pki: PkiDir, name: string): ClientTlsMaterial {
  return {
    caPem: readFileSync(pki.caCertFile, 'utf8'),
    certPem: readFileSync(pki.certFile(name), 'utf8'),
    keyPem: readFileSync(pki.keyFile(name), 'utf8'),
  };
}

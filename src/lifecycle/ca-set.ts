// Every CA a PKI directory holds, and where each one's key is:
//   DIR/ca.crt        the trust bundle: the signing CA, plus the previous one during a rotation
//   DIR/ca.key        the signing CA's key
//   DIR/ca-SERIAL.key a previous CA's key (still trusted; needed to sign its CRL)
//   DIR/cas/NAME/     further CAs (pki init --name), each with its own ca.crt and ca.key
//   DIR/intermediate/ an intermediate under the root (pki init --intermediate): ca.crt and ca.key
//                     issue leaves; ca-SERIAL.crt/.key is a previous one (after ca rotate). With an
//                     intermediate, DIR/ca.key (the root's key) may be offline: the root's CRL in
//                     crl.pem is then carried over as it is (publish-crl.ts).
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { loadSigningCa, SigningCa } from '../pki/ca';
import { keyMatchesCertificate } from '../pki/crypto';
import { PkiError } from '../pki/errors';
import { pemBlocks } from '../pki/pem';
import { serialHex } from '../pki/verify';
import { PkiDir } from '../store/pki-dir';
import { readUserFile } from '../store/read-file';
import { dnLine } from '../pki/distinguished-name';

export interface DirCa {
  pem: string;
  cert: X509Certificate;
  serial: string;
  /** "CN=..." on one line. */
  subject: string;
  certFile: string;
  keyFile: string;
  /**
   * signing: the root ca.key belongs to (without an intermediate, it issues leaves); previous: trusted
   * until `ca retire`; named: DIR/cas/NAME/; intermediate: DIR/intermediate/ca.crt (issues leaves);
   * previous-intermediate: one `ca rotate` replaced, kept to sign its CRL until `ca retire`.
   */
  role: 'signing' | 'previous' | 'named' | 'intermediate' | 'previous-intermediate';
  name?: string;
}

export interface CaSet {
  /** The members of DIR/ca.crt (the roots peers trust), the signing one first. */
  bundle: DirCa[];
  /** The root that ca.key belongs to; with an offline root, the one that signed the intermediate. */
  signing: DirCa;
  /** The CA that issues leaves: the intermediate, or else the signing root. */
  issuing: DirCa;
  /** DIR/intermediate/: the current one first, then previous ones. */
  intermediates: DirCa[];
  named: DirCa[];
  /** bundle + intermediates + named. */
  all: DirCa[];
}

export function loadCaSet(pki: PkiDir): CaSet {
  if (!existsSync(pki.caCertFile)) {
    throw new PkiError('no CA in this directory', {
      file: pki.caCertFile,
      code: 'NO_CA',
      fix: 'create it first: createCa(), then PkiDir.writeCa()',
      params: { dir: pki.dir },
    });
  }
  const intermediates = loadIntermediates(pki);
  // With an intermediate issuing, the root's key may be kept offline.
  const keyPem = intermediates.length > 0 && !existsSync(pki.caKeyFile) ? undefined : readUserFile(pki.caKeyFile, 'CA private key');
  const members = pemBlocks(readUserFile(pki.caCertFile, 'CA certificate')).map((pem) => {
    const cert = new X509Certificate(pem);
    const signing =
      keyPem === undefined
        ? intermediates.length > 0 && issuerOf(intermediates[0].cert, [{ cert } as DirCa]) !== undefined
        : safeMatch(keyPem, pem);
    const ca: DirCa = {
      pem,
      cert,
      serial: serialHex(cert),
      subject: dnLine(cert.subject),
      certFile: pki.caCertFile,
      keyFile: signing ? pki.caKeyFile : pki.previousCaKeyFile(serialHex(cert)),
      role: signing ? 'signing' : 'previous',
    };
    return ca;
  });
  const signing = members.find((m) => m.role === 'signing');
  if (!signing) {
    throw new PkiError(
      keyPem === undefined
        ? 'the intermediate CA was not signed by any root in ca.crt'
        : 'ca.key belongs to none of the CA certificates in ca.crt',
      {
        file: keyPem === undefined ? pki.intermediateCertFile : pki.caKeyFile,
        fix:
          keyPem === undefined
            ? 'put the root that signed DIR/intermediate/ca.crt back into ca.crt'
            : 'restore the key created with ca.crt (a rotation keeps the previous one as ca-SERIAL.key)',
      },
    );
  }
  const named = pki.namedCas().map((name): DirCa => {
    const certFile = pki.namedCaCertFile(name);
    const pem = readUserFile(certFile, 'CA certificate');
    const cert = new X509Certificate(pem);
    return {
      pem,
      cert,
      serial: serialHex(cert),
      subject: dnLine(cert.subject),
      certFile,
      keyFile: pki.namedCaKeyFile(name),
      role: 'named',
      name,
    };
  });
  const bundle = [signing, ...members.filter((m) => m !== signing)];
  const issuing = intermediates[0] ?? signing;
  return { bundle, signing, issuing, intermediates, named, all: [...bundle, ...intermediates, ...named] };
}

/** DIR/intermediate/ca.crt (current) and ca-SERIAL.crt (previous ones), each with its chain: itself. */
function loadIntermediates(pki: PkiDir): DirCa[] {
  if (!pki.hasIntermediate()) return [];
  const read = (certFile: string, keyFile: string, role: DirCa['role']): DirCa => {
    const pem = readUserFile(certFile, 'intermediate CA certificate');
    const cert = new X509Certificate(pem);
    return { pem, cert, serial: serialHex(cert), subject: dnLine(cert.subject), certFile, keyFile, role };
  };
  const current = read(pki.intermediateCertFile, pki.intermediateKeyFile, 'intermediate');
  const previous = pki.previousIntermediates().map((serial) => {
    const files = pki.previousIntermediateFiles(serial);
    return read(files.certFile, files.keyFile, 'previous-intermediate');
  });
  return [current, ...previous];
}

function safeMatch(keyPem: string, certPem: string): boolean {
  try {
    return keyMatchesCertificate(keyPem, certPem);
  } catch {
    return false;
  }
}

/** The CA ready to sign (certificates or its CRL); an intermediate carries itself as the chain of what it issues. */
export async function signerOf(ca: DirCa): Promise<SigningCa> {
  const keyPem = readUserFile(ca.keyFile, `private key of CA "${ca.subject}"`);
  const chain = ca.role === 'intermediate' || ca.role === 'previous-intermediate' ? ca.pem : undefined;
  return loadSigningCa(ca.pem, keyPem, { cert: ca.certFile, key: ca.keyFile }, chain);
}

/** The CA of the set that signed cert (name and signature both checked), if any. */
export function issuerOf(cert: X509Certificate, cas: DirCa[]): DirCa | undefined {
  return cas.find((ca) => cert.checkIssued(ca.cert) && cert.verify(ca.cert.publicKey));
}

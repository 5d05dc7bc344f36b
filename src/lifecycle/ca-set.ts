// Every CA a PKI directory holds, and where each one's key is:
//   DIR/ca.crt        the trust bundle: the signing CA, plus the previous one during a rotation
//   DIR/ca.key        the signing CA's key
//   DIR/ca-SERIAL.key a previous CA's key (still trusted; needed to sign its CRL)
//   DIR/cas/NAME/     further CAs (pki init --name), each with its own ca.crt and ca.key
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
  /** signing: issues new certificates; previous: trusted until `ca retire`; named: DIR/cas/NAME/. */
  role: 'signing' | 'previous' | 'named';
  name?: string;
}

export interface CaSet {
  /** The members of DIR/ca.crt, the signing CA first. */
  bundle: DirCa[];
  signing: DirCa;
  named: DirCa[];
  /** bundle + named. */
  all: DirCa[];
}

export function loadCaSet(pki: PkiDir): CaSet {
  if (!existsSync(pki.caCertFile)) {
    throw new PkiError('no CA in this directory', { file: pki.caCertFile, code: 'NO_CA', fix: 'create it first: createCa(), then PkiDir.writeCa()', params: { dir: pki.dir } });
  }
  const keyPem = readUserFile(pki.caKeyFile, 'CA private key');
  const members = pemBlocks(readUserFile(pki.caCertFile, 'CA certificate')).map((pem) => {
    const cert = new X509Certificate(pem);
    const signing = safeMatch(keyPem, pem);
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
    throw new PkiError('ca.key belongs to none of the CA certificates in ca.crt', {
      file: pki.caKeyFile,
      fix: 'restore the key created with ca.crt (a rotation keeps the previous one as ca-SERIAL.key)',
    });
  }
  const named = pki.namedCas().map((name): DirCa => {
    const certFile = pki.namedCaCertFile(name);
    const pem = readUserFile(certFile, 'CA certificate');
    const cert = new X509Certificate(pem);
    return { pem, cert, serial: serialHex(cert), subject: dnLine(cert.subject), certFile, keyFile: pki.namedCaKeyFile(name), role: 'named', name };
  });
  const bundle = [signing, ...members.filter((m) => m !== signing)];
  return { bundle, signing, named, all: [...bundle, ...named] };
}

function safeMatch(keyPem: string, certPem: string): boolean {
  try {
    return keyMatchesCertificate(keyPem, certPem);
  } catch {
    return false;
  }
}

/** The CA ready to sign (certificates or its CRL). */
export async function signerOf(ca: DirCa): Promise<SigningCa> {
  const keyPem = readUserFile(ca.keyFile, `private key of CA "${ca.subject}"`);
  return loadSigningCa(ca.pem, keyPem, { cert: ca.certFile, key: ca.keyFile });
}

/** The CA of the set that signed cert (name and signature both checked), if any. */
export function issuerOf(cert: X509Certificate, cas: DirCa[]): DirCa | undefined {
  return cas.find((ca) => cert.checkIssued(ca.cert) && cert.verify(ca.cert.publicKey));
}

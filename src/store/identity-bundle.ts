// An identity bundle: one file that carries everything one side of mTLS needs to another machine
// (certificate, its private key, the CA certificates it trusts), and never a CA's private key.
//
// Format (certrpc bundle v1) — a plain PEM file, so openssl and curl read it as it is:
//   # comment lines: what it is, "name: NAME", subjects and dates (ignored by PEM readers)
//   -----BEGIN CERTIFICATE-----   the identity's certificate (first, so `openssl x509 -in` shows it)
//   -----BEGIN PRIVATE KEY-----   its private key, PKCS#8
//   -----BEGIN CERTIFICATE-----   the trusted CA certificate(s), one or more
// Roles are told apart by content, not by position: the certificate whose public key matches the
// key is the identity; every other certificate must be a CA. So a hand-assembled file works too.
import { X509Certificate } from 'node:crypto';
import { basename } from 'node:path';
import { refuseCaAsIdentity } from '../pki/ca-as-identity';
import { keyMatchesCertificate } from '../pki/key-match';
import { PkiError } from '../pki/errors';
import { writeFileAtomic } from './atomic-write';
import { checkName, isValidName } from './pki-names';
import { readUserFile } from './read-file';
import { joinPem } from './trust-bundle';
import { dnLine } from '../pki/distinguished-name';

export const BUNDLE_EXTENSION = '.bundle';
const FORMAT_LINE = '# certrpc identity bundle v1';
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/g;

export interface IdentityBundle {
  /** File-name stem for extraction (NAME.crt / NAME.key). */
  name: string;
  certPem: string;
  keyPem: string;
  /** The CA certificates peers are verified against, joined. */
  caPem: string;
}

/** The bundle's text. Refuses a CA certificate as the identity: a CA key never leaves its directory this way. */
export function formatBundle(bundle: IdentityBundle, now = new Date()): string {
  checkName(bundle.name, 'NAME');
  const cert = new X509Certificate(bundle.certPem);
  if (cert.ca) {
    throw new PkiError(`"${dnLine(cert.subject)}" is a CA certificate: a bundle never carries a CA's private key`, {
      fix: 'export a leaf identity (a client or server certificate); copy only ca.crt to machines that need to trust the CA',
    });
  }
  const trusted = caCertificates(bundle.caPem);
  const header = [
    FORMAT_LINE,
    `# name: ${bundle.name}`,
    `# certificate: ${dnLine(cert.subject)} (serial ${cert.serialNumber.toLowerCase()}, expires ${new Date(cert.validTo).toISOString()})`,
    `# issued by: ${dnLine(cert.issuer)}`,
    ...trusted.map((c) => `# trusts: ${dnLine(c.subject)}`),
    `# created: ${now.toISOString()}`,
    '# Blocks: the certificate, its private key (keep this file 0600), then the trusted CA certificates.',
    '# No CA private key is in here. Plain files for nginx/curl: certrpc bundle extract FILE -o DIR',
  ];
  return `${header.join('\n')}\n${joinPem([bundle.certPem, bundle.keyPem, ...trusted.map((c) => c.toString())])}`;
}

/** Parses bundle text; `file` is named in every error. */
export function parseBundle(text: string, file?: string, fallbackName?: string): IdentityBundle {
  const blocks = [...text.matchAll(PEM_BLOCK)].map((m) => ({ label: m[1], pem: m[0] }));
  const keys = blocks.filter((b) => b.label.endsWith('PRIVATE KEY'));
  const certs = blocks.filter((b) => b.label === 'CERTIFICATE');
  const fix = 'export it again with: certrpc bundle export NAME -o NAME.bundle';
  if (keys.length !== 1) {
    throw new PkiError(
      keys.length === 0
        ? 'not an identity bundle: it holds no private key'
        : `not an identity bundle: it holds ${keys.length} private keys, expected one`,
      { file, fix },
    );
  }
  if (keys[0].label === 'ENCRYPTED PRIVATE KEY') {
    throw new PkiError('the private key in this bundle is encrypted', {
      file,
      fix: 'decrypt it first: openssl pkey -in FILE -out plain.pem, or export the bundle again',
    });
  }
  const keyPem = keys[0].pem;
  const parsed = certs.map((c, i) => {
    try {
      return { pem: c.pem, cert: new X509Certificate(c.pem) };
    } catch (err) {
      throw new PkiError(`certificate #${i + 1} is corrupt: ${(err as Error).message}`, { file, fix });
    }
  });
  let leafIndex: number;
  try {
    leafIndex = parsed.findIndex((c) => keyMatchesCertificate(keyPem, c.pem));
  } catch (err) {
    throw new PkiError(`the private key is unreadable: ${(err as Error).message}`, { file, fix });
  }
  if (leafIndex < 0) throw new PkiError('no certificate in this bundle belongs to its private key', { file, fix });
  const leaf = parsed[leafIndex];
  refuseCaAsIdentity(leaf.cert, file);
  const cas = parsed.filter((_c, i) => i !== leafIndex);
  if (cas.length === 0) throw new PkiError('the bundle holds no CA certificate to verify peers with', { file, fix });
  const notCa = cas.find((c) => !c.cert.ca);
  if (notCa) throw new PkiError(`"${dnLine(notCa.cert.subject)}" is in the bundle but is neither its identity nor a CA`, { file, fix });
  return {
    name: bundleName(text) ?? fallbackName ?? defaultName(leaf.cert),
    certPem: leaf.pem,
    keyPem,
    caPem: joinPem(cas.map((c) => c.pem)),
  };
}

/** Reads and checks a bundle file. */
export function readBundleFile(file: string): IdentityBundle {
  const stem = basename(file).replace(/\.(bundle|pem)$/, '');
  return parseBundle(readUserFile(file, 'identity bundle', 'identity'), file, isValidName(stem) ? stem : undefined);
}

/** Writes a bundle 0600, whole or not at all; refuses to overwrite unless `force`. */
export function writeBundleFile(file: string, text: string | Buffer, force = false): void {
  writeFileAtomic(file, text, { mode: 0o600, overwrite: force });
}

/** --identity VALUE names a bundle file (a path) rather than NAME in the PKI directory. */
export function isBundleReference(value: string): boolean {
  return value.includes('/') || value.includes('\\') || value.endsWith(BUNDLE_EXTENSION) || value.endsWith('.pem');
}

function bundleName(text: string): string | undefined {
  const name = /^# name: (\S+)$/m.exec(text)?.[1];
  return name && isValidName(name) ? name : undefined;
}

function defaultName(cert: X509Certificate): string {
  const cn = /^CN=(.*)$/m.exec(cert.subject)?.[1] ?? '';
  const cleaned = cn
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 64);
  return isValidName(cleaned) ? cleaned : 'identity';
}

function caCertificates(caPem: string): X509Certificate[] {
  const blocks = [...caPem.matchAll(PEM_BLOCK)].filter((m) => m[1] === 'CERTIFICATE');
  if (blocks.length === 0)
    throw new PkiError('no CA certificate to put in the bundle', {
      option: 'caPem',
      code: 'BUNDLE_NO_CA',
      fix: 'give the CA certificate peers are verified against',
    });
  return blocks.map((m) => {
    const cert = new X509Certificate(m[0]);
    if (!cert.ca)
      throw new PkiError(`"${dnLine(cert.subject)}" is not a CA certificate`, {
        option: 'caPem',
        code: 'BUNDLE_NOT_A_CA',
        fix: 'give a CA certificate (DIR/ca.crt)',
      });
    return cert;
  });
}

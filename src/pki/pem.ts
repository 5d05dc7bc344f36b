import { X509Certificate } from 'node:crypto';
import { PkiError } from './errors';

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const CRL_BLOCK = /-----BEGIN (?:X509 )?CRL-----[\s\S]+?-----END (?:X509 )?CRL-----/g;

/** Every certificate in a PEM bundle (a CA bundle may hold several), parsed by Node's crypto. */
export function parseCertificateBundle(pem: string, file?: string): X509Certificate[] {
  const blocks = pem.match(CERT_BLOCK) ?? [];
  if (blocks.length === 0) {
    throw new PkiError('no PEM certificate found (expected -----BEGIN CERTIFICATE-----)', {
      file,
      fix: 'point at a PEM certificate file (.crt/.pem); convert DER with `openssl x509 -inform der -in F -out F.pem`',
    });
  }
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch (err) {
      throw new PkiError(`certificate #${i + 1} is corrupt: ${(err as Error).message}`, {
        file,
        fix: 'the PEM is damaged; copy the file again or re-issue it',
      });
    }
  });
}

export function pemBlocks(pem: string): string[] {
  return pem.match(CERT_BLOCK) ?? [];
}

/**
 * The CRLs of a PEM text, one string each. Node's tls `crl` option reads ONE CRL per string (its
 * AddCRL stops after the first PEM block): several CRLs must be handed over as an array.
 */
export function crlPemBlocks(pem: string | undefined): string[] {
  return pem?.match(CRL_BLOCK)?.map((block) => `${block}\n`) ?? [];
}

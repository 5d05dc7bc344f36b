// Seconds until each certificate a server presents or trusts expires, read from its current PEM
// material, so an alert fires weeks before clients start failing handshakes.
import { X509Certificate } from 'node:crypto';
import { pemBlocks } from '../pki/pem';
import { serialHex } from '../pki/verify';
import { dnLine } from '../pki/distinguished-name';

export interface CertificateExpiry {
  /** "server" (the certificate the server presents, and its chain) or "client_ca" (a CA it trusts for clients). */
  certificate: 'server' | 'client_ca';
  subject: string;
  serial: string;
  secondsLeft: number;
}

/** Every certificate in a PEM bundle; anything that is not a certificate is skipped. */
function certificatesIn(pem: string): X509Certificate[] {
  return pemBlocks(pem).flatMap((block) => {
    try {
      return [new X509Certificate(block)];
    } catch {
      return [];
    }
  });
}

export function certificateExpiries(material: { certPem: string; clientCaPem: string }, now = Date.now()): CertificateExpiry[] {
  const entry =
    (certificate: CertificateExpiry['certificate']) =>
    (cert: X509Certificate): CertificateExpiry => ({
      certificate,
      subject: dnLine(cert.subject),
      serial: serialHex(cert),
      secondsLeft: Math.round((new Date(cert.validTo).getTime() - now) / 1000),
    });
  return [...certificatesIn(material.certPem).map(entry('server')), ...certificatesIn(material.clientCaPem).map(entry('client_ca'))];
}

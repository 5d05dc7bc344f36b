import { randomBytes } from 'node:crypto';

/**
 * A random 128-bit serial number (RFC 5280 allows up to 20 octets; CA/B asks for 64+ random bits).
 * The top bit is cleared so the DER INTEGER stays positive and exactly 16 bytes long.
 */
export function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x7f) | 0x01;
  return bytes.toString('hex');
}

/** Serials print as lower-case hex without separators or leading zeros, like `openssl x509 -serial` (lower-cased). */
export function normalizeSerial(hex: string): string {
  const clean = hex
    .replace(/[:\s]/g, '')
    .toLowerCase()
    .replace(/^0+(?=.)/, '');
  return clean;
}

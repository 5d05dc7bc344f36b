// Who is calling: the facts of a verified peer certificate that authorization and handlers use.
import { X509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import { normalizeSerial } from '../pki/serial';
import { IssuingCa, issuingCaOf } from '../tls/issuing-ca';

export interface PeerIdentity {
  commonName: string;
  /** Every SAN, typed as certrpc prints them: "DNS:x", "IP:1.2.3.4", "URI:spiffe://..", "email:a@b". */
  sans: string[];
  dnsNames: string[];
  uris: string[];
  ips: string[];
  emails: string[];
  /** The spiffe:// URI SAN, if there is exactly one (SPIFFE X509-SVID). */
  spiffeId?: string;
  /** Lower-case hex, no leading zeros. */
  serial: string;
  /** SHA-256 fingerprint, upper-case hex with colons (as Node and openssl print it). */
  fingerprint: string;
  /** The issuer name the certificate claims (unverified; for messages). */
  issuer: string;
  /**
   * The CA whose key signed this certificate, as the TLS layer verified it (tls/trusted-issuers.ts):
   * what `issuer:` / `issuerFingerprint:` principals are compared with. Absent when unknown
   * (e.g. `policy explain --cn` without --issuer), and then no issuer-bound principal matches.
   */
  issuingCa?: IssuingCa;
  notAfter: Date;
  /** The subject as RFC 4514 text, most specific first ("CN=alice,O=Acme"), as Go's gRPC matches A43 principals. */
  subject?: string;
}

/**
 * Node prints SANs as "DNS:a, IP Address:1.2.3.4, URI:x, email:y". Commas inside a name are escaped
 * with quotes by Node (>= 17), so splitting on ", " at top level is safe for what certrpc issues; for
 * anything else the structured X509Certificate parse below is the fallback.
 */
function splitSubjectAltName(text: string | undefined): string[] {
  if (!text) return [];
  return text.split(/, (?=(?:DNS|IP Address|URI|email|othername|DirName|Registered ID):)/).map((s) => s.replace(/^IP Address:/, 'IP:'));
}

function unquote(value: string): string {
  return value.startsWith('"') && value.endsWith('"') ? JSON.parse(value) : value;
}

export function identityFromCertificate(cert: X509Certificate | PeerCertificate, issuingCa?: IssuingCa): PeerIdentity {
  const isNode = cert instanceof X509Certificate;
  const sans = splitSubjectAltName(isNode ? cert.subjectAltName : cert.subjectaltname).map((s) => {
    const colon = s.indexOf(':');
    return `${s.slice(0, colon)}:${unquote(s.slice(colon + 1))}`;
  });
  const pick = (prefix: string) => sans.filter((s) => s.startsWith(prefix)).map((s) => s.slice(prefix.length));
  const uris = pick('URI:');
  const spiffe = uris.filter((u) => u.startsWith('spiffe://'));
  const subject = isNode ? cert.subject : undefined;
  const commonName = isNode ? (/^CN=(.*)$/m.exec(subject ?? '')?.[1] ?? '') : String((cert.subject as unknown as Record<string, string>)?.CN ?? '');
  const issuer = isNode ? cert.issuer.replace(/\n/g, ', ') : Object.entries(cert.issuer ?? {}).map(([k, v]) => `${k}=${v}`).join(', ');
  return {
    commonName,
    sans,
    dnsNames: pick('DNS:'),
    uris,
    ips: pick('IP:'),
    emails: pick('email:'),
    spiffeId: spiffe.length === 1 ? spiffe[0] : undefined,
    serial: normalizeSerial(cert.serialNumber),
    fingerprint: cert.fingerprint256,
    issuer,
    issuingCa,
    notAfter: new Date(isNode ? cert.validTo : cert.valid_to),
    subject: subjectText(isNode ? cert.subject.split('\n').filter(Boolean) : distinguishedNameParts(cert.subject)),
  };
}

/** Node's subject object ({ O: 'Acme', CN: 'alice' }, arrays for repeated attributes) as "O=Acme" parts in certificate order. */
function distinguishedNameParts(name: object | undefined): string[] {
  return Object.entries(name ?? {}).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => `${k}=${String(x)}`));
}

/** RFC 4514 order is the reverse of the certificate's; commas inside values are escaped. */
function subjectText(parts: string[]): string {
  return parts
    .map((p) => p.replace(/,/g, '\\,'))
    .reverse()
    .join(',');
}

/**
 * Identities by certificate fingerprint. Parsing is done once per certificate, not once per call;
 * the map is bounded so a stream of distinct certificates cannot grow it without limit.
 */
export class IdentityCache {
  private readonly byFingerprint = new Map<string, PeerIdentity>();
  constructor(private readonly capacity = 10_000) {}

  get(peer: PeerCertificate): PeerIdentity {
    const issuingCa = issuingCaOf(peer);
    const hit = this.byFingerprint.get(peer.fingerprint256);
    // The same certificate verified under another CA certificate (a re-issued CA) is a new identity.
    if (hit && hit.issuingCa?.fingerprint === issuingCa?.fingerprint) return hit;
    const identity = identityFromCertificate(peer, issuingCa);
    if (this.byFingerprint.size >= this.capacity) {
      this.byFingerprint.delete(this.byFingerprint.keys().next().value as string);
    }
    this.byFingerprint.set(peer.fingerprint256, identity);
    return identity;
  }
}

/** "CN=bob" or, for a certificate without CN, its SPIFFE ID or first SAN: how a caller is named in messages. */
export function describeIdentity(identity: PeerIdentity): string {
  if (identity.commonName) return `CN=${identity.commonName}`;
  return identity.spiffeId ?? identity.sans[0] ?? `serial ${identity.serial}`;
}

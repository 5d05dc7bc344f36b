// Who is calling: the facts of a verified peer certificate that authorization and handlers use.
import { X509Certificate } from 'node:crypto';
// Loaded before any toLegacyObject() below: on Node 20, the first toLegacyObject() of a process
// that has not loaded node:tls yet leaves tls.createSecureContext undefined for good (a circular
// require inside Node: crypto's x509 -> _tls_common -> tls), and every TLS server or client made
// later in that process fails with "createSecureContext is not a function".
import 'node:tls';
import type { PeerCertificate } from 'node:tls';
import { displaySan, parseSubjectAltNameText, quoteNameValue } from '../pki/name-text';
import { normalizeSerial } from '../pki/serial';
import type { IssuingCa } from './issuing-ca';
import { cnText, distinguishedNameText } from '../pki/distinguished-name';

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
 * The facts of a certificate, from Node's parse of it. An X509Certificate is read through its
 * legacy object, the very form the server gets for a peer, so `policy explain --cert` and the
 * server cannot see different names in one certificate.
 */
export function identityFromCertificate(cert: X509Certificate | PeerCertificate, issuingCa?: IssuingCa): PeerIdentity {
  const legacy = cert instanceof X509Certificate ? cert.toLegacyObject() : cert;
  // Node's text is parsed, not split: a DNS SAN "x, URI:spiffe://corp/user/admin" stays one DNS name.
  const sans = parseSubjectAltNameText(legacy.subjectaltname);
  const pick = (prefix: string) => sans.filter((s) => s.startsWith(prefix)).map((s) => s.slice(prefix.length));
  const uris = pick('URI:');
  const spiffe = uris.filter((u) => u.startsWith('spiffe://'));
  return {
    commonName: commonNameOf(legacy.subject),
    sans,
    dnsNames: pick('DNS:'),
    uris,
    ips: pick('IP:'),
    emails: pick('email:'),
    spiffeId: spiffe.length === 1 ? spiffe[0] : undefined,
    serial: normalizeSerial(legacy.serialNumber),
    fingerprint: legacy.fingerprint256,
    issuer: distinguishedNameText(legacy.issuer),
    issuingCa,
    notAfter: new Date(legacy.valid_to),
    subject: distinguishedNameText(legacy.subject, 'rfc4514'),
  };
}

/**
 * The subject's one CN. A subject with several CNs has none: which of them is "the" name would be
 * a guess (Go takes the last, others the first), and joining them ("a,b") reads like one CN "a,b".
 * Such a caller is known by its SANs only; certrpc never signs one (pki/issue.ts).
 */
function commonNameOf(subject: PeerCertificate['subject'] | undefined): string {
  const cn = (subject as unknown as Record<string, string | string[] | undefined> | undefined)?.CN;
  return typeof cn === 'string' ? cn : '';
}

/**
 * Identities by certificate fingerprint. Parsing is done once per certificate, not once per call;
 * the map is bounded so a stream of distinct certificates cannot grow it without limit.
 */
export class IdentityCache {
  private readonly byFingerprint = new Map<string, PeerIdentity>();
  constructor(private readonly capacity = 10_000) {}

  /** The identity of a verified peer certificate, as signed by `issuingCa` (when known). */
  get(peer: PeerCertificate, issuingCa: IssuingCa | undefined): PeerIdentity {
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

/**
 * "CN=bob" or, for a certificate without CN, its SPIFFE ID or first SAN: how a caller is named in
 * messages. Escaped, so a name cannot pass for more text of the message (a CN "bob, roles: admin").
 */
export function describeIdentity(identity: PeerIdentity): string {
  if (identity.commonName) return cnText(identity.commonName);
  if (identity.spiffeId) return quoteNameValue(identity.spiffeId);
  return identity.sans.length > 0 ? displaySan(identity.sans[0]) : `serial ${identity.serial}`;
}

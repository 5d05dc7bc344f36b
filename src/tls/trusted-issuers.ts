// Which CA signed a client certificate the listener accepted, for policies that bind a principal
// to its issuer (`issuer:` / `issuerFingerprint:`). OpenSSL verified the chain, but Node does not
// expose the chain it built: getPeerCertificate(true) is the chain the PEER sent, linked by names,
// not by signatures. So the signer is established here by signature: the CA certificate whose
// public key verifies the client certificate's signature, looked for among the trusted client CAs
// first, then among the CA certificates the peer sent along (an intermediate; sound without
// re-walking its chain, because only the real signer's key verifies the signature, and OpenSSL
// has already refused the connection unless that key chains to a trusted CA).
import { X509Certificate } from 'node:crypto';
import type { DetailedPeerCertificate, PeerCertificate } from 'node:tls';
import { issuerNameOf } from '../pki/distinguished-name';
import { pemBlocks } from '../pki/pem';
import { IssuingCa } from '../gate/issuing-ca';

const MAX_CACHED = 10_000;
const MAX_SENT_CHAIN = 10;

export class TrustedIssuers {
  /** The trusted client CAs, as policies name them. */
  readonly cas: readonly IssuingCa[];
  private readonly certificates: { cert: X509Certificate; ca: IssuingCa }[];
  /** Client certificate fingerprint -> its trusted signer (null: none in the bundle). One bundle, so never stale. */
  private readonly bySigned = new Map<string, IssuingCa | null>();
  /**
   * Client certificate fingerprint -> the intermediate (sent by the peer) whose key signed it. A
   * resumed TLS session has no sent chain (OpenSSL keeps the peer's certificate, not its chain):
   * its signer is the one found at the full handshake, for the very same certificate bytes.
   */
  private readonly bySentSigner = new Map<string, IssuingCa>();

  /** @param maxCached entries of each cache (a stream of new client certificates must not grow it without bound). */
  constructor(
    clientCaPem: string,
    private readonly maxCached = MAX_CACHED,
  ) {
    this.certificates = pemBlocks(clientCaPem).map((pem) => {
      const cert = new X509Certificate(pem);
      return { cert, ca: trustedCa(cert) };
    });
    this.cas = this.certificates.map((c) => c.ca);
  }

  /**
   * The CA whose key signed `peer` (a certificate the TLS layer verified). `detailed` gives the
   * chain the peer sent; it is read only when no trusted CA signed the certificate directly.
   */
  issuerOf(peer: PeerCertificate, detailed: () => DetailedPeerCertificate | undefined): IssuingCa | undefined {
    try {
      return this.find(peer, detailed);
    } catch {
      return undefined; // unreadable: no issuer, so no issuer-bound principal matches (fail closed)
    }
  }

  private find(peer: PeerCertificate, detailed: () => DetailedPeerCertificate | undefined): IssuingCa | undefined {
    let trusted = this.bySigned.get(peer.fingerprint256);
    if (trusted === undefined) {
      const leaf = new X509Certificate(peer.raw);
      trusted = this.certificates.find((c) => signedBy(leaf, c.cert))?.ca ?? null;
      if (this.bySigned.size >= this.maxCached) this.bySigned.delete(this.bySigned.keys().next().value as string);
      this.bySigned.set(peer.fingerprint256, trusted);
    }
    if (trusted) return trusted;
    const leaf = new X509Certificate(peer.raw);
    const sent = sentChain(detailed());
    for (const raw of sent) {
      const candidate = new X509Certificate(raw);
      if (!signedBy(leaf, candidate)) continue;
      const signer = Object.freeze({ subject: issuerNameOf(raw), fingerprint: candidate.fingerprint256 });
      if (this.bySentSigner.size >= this.maxCached) this.bySentSigner.delete(this.bySentSigner.keys().next().value as string);
      this.bySentSigner.set(peer.fingerprint256, signer);
      return signer;
    }
    return sent.length === 0 ? this.bySentSigner.get(peer.fingerprint256) : undefined;
  }
}

/**
 * A trusted CA as policies name it. Its subject in `cert inspect`'s form needs the x509 stack
 * (~3 MB of heap for the life of the process): it is computed when first read, i.e. only when a
 * policy binds a principal with `issuer:` or a warning names the CA. The fingerprint (Node's)
 * is what every connection reads.
 */
function trustedCa(cert: X509Certificate): IssuingCa {
  let subject: string | undefined;
  return Object.freeze({
    get subject(): string {
      return (subject ??= issuerNameOf(cert.raw));
    },
    fingerprint: cert.fingerprint256,
  });
}

function signedBy(cert: X509Certificate, ca: X509Certificate): boolean {
  try {
    return cert.checkIssued(ca) && cert.verify(ca.publicKey);
  } catch {
    return false;
  }
}

/** The certificates the peer sent after its own (Node links them by name; self-issued ends the walk). */
function sentChain(detailed: DetailedPeerCertificate | undefined): Buffer[] {
  const out: Buffer[] = [];
  let next = detailed?.issuerCertificate;
  let previous: DetailedPeerCertificate | undefined = detailed;
  while (next && next !== previous && out.length < MAX_SENT_CHAIN && next.raw) {
    out.push(next.raw);
    previous = next;
    next = next.issuerCertificate;
  }
  return out;
}

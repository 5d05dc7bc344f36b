// What step-ca sends back is checked before anything is written or served: a leaf for the key we
// hold, then its intermediates, each signed by the next, the last by a root we pinned, all valid
// now. A CA (or anyone in between) that answers with another key, a CA certificate as the leaf,
// or a chain to somewhere else is refused here, not discovered in a handshake later.
import { createPublicKey, KeyObject, X509Certificate } from 'node:crypto';
import { parseCertificateBundle } from '../pki/pem';
import { StepCaError } from './step-ca-error';
import { dnLine } from '../pki/distinguished-name';

export interface IssuedChain {
  /** The new certificate alone, PEM. */
  certPem: string;
  /** The certificate then its intermediates, PEM: what a server or client presents (certrpc's NAME.crt). */
  chainPem: string;
  leaf: X509Certificate;
}

const spki = (key: KeyObject): Buffer => (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'der', type: 'spki' });

function bad(what: string, message: string): StepCaError {
  return new StepCaError('bad-response', `step-ca's ${what}: ${message}; nothing was written`, {
    fix: 'this is not what step-ca issues: check that the URL and the root fingerprint name the CA you meant, and look at its log',
  });
}

function validNow(cert: X509Certificate, now: Date): boolean {
  return now >= new Date(cert.validFrom) && now <= new Date(cert.validTo);
}

/** `pems`: leaf first, then intermediates (step-ca's certChain). `rootPem`: the trusted root(s). `publicKey`: the key we hold (or its public half). */
export function checkIssuedChain(what: string, pems: string[], rootPem: string, publicKey: KeyObject, now = new Date()): IssuedChain {
  let chain: X509Certificate[];
  try {
    chain = pems.flatMap((pem) => parseCertificateBundle(pem));
  } catch (err) {
    throw bad(what, (err as Error).message);
  }
  if (chain.length === 0) throw bad(what, 'it holds no certificate');
  const roots = parseCertificateBundle(rootPem);
  const leaf = chain[0];
  if (leaf.ca) throw bad(what, `"${dnLine(leaf.subject)}" is a CA certificate, not a certificate for this host`);
  if (!spki(leaf.publicKey).equals(spki(publicKey)))
    throw bad(what, `"${dnLine(leaf.subject)}" is for another key than the one this host holds`);
  for (let i = 0; i < chain.length; i++) {
    const cert = chain[i];
    if (!validNow(cert, now)) throw bad(what, `"${dnLine(cert.subject)}" is not valid now (${cert.validFrom} to ${cert.validTo})`);
    if (roots.some((r) => r.raw.equals(cert.raw))) return issued(chain.slice(0, i), leaf); // a CA that appends its root: the root is not sent
    const next = chain[i + 1];
    if (next) {
      if (!next.ca || !cert.checkIssued(next) || !cert.verify(next.publicKey))
        throw bad(what, `"${dnLine(cert.subject)}" is not signed by the next certificate of the chain, "${dnLine(next.subject)}"`);
      continue;
    }
    const root = roots.find((r) => r.ca && cert.checkIssued(r) && cert.verify(r.publicKey));
    if (!root)
      throw bad(
        what,
        `"${dnLine(cert.subject)}" (issued by "${dnLine(cert.issuer)}") does not chain to the pinned root ${roots.map((r) => `"${dnLine(r.subject)}"`).join(', ')}`,
      );
    if (!validNow(root, now)) throw bad(what, `the root "${dnLine(root.subject)}" is not valid now`);
  }
  return issued(chain, leaf);
}

function issued(chain: X509Certificate[], leaf: X509Certificate): IssuedChain {
  return { certPem: leaf.toString(), chainPem: chain.map((c) => c.toString()).join(''), leaf };
}

// THE check of a server's certificate where certrpc verifies it itself (a handshake made with
// rejectUnauthorized: false, so the certificate can be named in the message): the chain up to a
// trusted CA, then the dialed name (or the server identity asked for). Used by the TLS probe and by
// the tunnel through certrpc's proxy: a server refused one way is refused, in the same words, the other.
import { X509Certificate } from 'node:crypto';
import { checkServerIdentity, PeerCertificate, TLSSocket } from 'node:tls';
import { cnText, distinguishedNameText, dnLine } from '../pki/distinguished-name';
import { displaySans, parseSubjectAltNameText } from '../pki/name-text';
import { parseCertificateBundle } from '../pki/pem';
import { ClientTlsMaterial, serverIdChecker } from './client-credentials';
import { serverCertificateRefused, TlsFailure } from './failure-reasons';

/** Names the server presented, escaped: they are the server's words inside ours (pki/name-text.ts). */
export function presentedNames(cert?: PeerCertificate): string | undefined {
  if (cert?.subjectaltname) return displaySans(parseSubjectAltNameText(cert.subjectaltname));
  return cert?.subject?.CN ? cnText(String(cert.subject.CN)) : undefined;
}

/** Why the server's certificate on this (handshaken) socket must not be used, or undefined when it may. */
export function serverCertificateProblem(
  socket: TLSSocket,
  cert: PeerCertificate,
  name: string,
  material: Pick<ClientTlsMaterial, 'caPem' | 'serverId'>,
): TlsFailure | undefined {
  const identityError: (Error & { code?: string }) | undefined = material.serverId
    ? serverIdChecker(material.serverId)(name, cert)
    : checkServerIdentity(name, cert);
  // Node reports a name mismatch in authorizationError too, as a bare code or message: a chain
  // error is one that is not the mismatch found above.
  const chainError = socket.authorized
    ? undefined
    : String((socket.authorizationError as Error & { code?: string })?.code ?? socket.authorizationError);
  if (chainError && !(identityError && (chainError === 'ERR_TLS_CERT_ALTNAME_INVALID' || chainError === identityError.message))) {
    return serverCertificateRefused(chainError, chainError, {
      issuer: cert.issuer ? distinguishedNameText(cert.issuer) : undefined,
      trusted: trustedSubjects(material.caPem),
      names: presentedNames(cert),
    });
  }
  if (identityError) {
    const code = identityError.code ?? (material.serverId ? 'SERVER_ID_MISMATCH' : 'ERR_TLS_CERT_ALTNAME_INVALID');
    return serverCertificateRefused(code, identityError.message, { names: presentedNames(cert), dialed: material.serverId ?? name });
  }
  return undefined;
}

function trustedSubjects(caPem: string): string {
  try {
    return parseCertificateBundle(caPem)
      .map((c: X509Certificate) => dnLine(c.subject))
      .join('; ');
  } catch {
    return 'an unreadable CA bundle';
  }
}

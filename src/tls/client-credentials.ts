import type { ChannelCredentials } from '@grpc/grpc-js';
import { checkServerIdentity as checkHostname, PeerCertificate } from 'node:tls';
import { identityFromCertificate } from '../gate/peer-identity';
import { displaySans } from '../pki/name-text';
import { ResumingChannelCredentials } from './resuming-credentials';

export interface ClientTlsMaterial {
  /** PEM bundle of the CAs the server certificate must chain to. */
  caPem: string;
  /** Our certificate and key; leave both out only to test what a server does without them. */
  certPem?: string;
  keyPem?: string;
  /**
   * Verify the server by this identity (a URI SAN such as spiffe://corp/service/kv, or a DNS name)
   * instead of the address dialed, so a service can move between hosts without re-issuing.
   */
  serverId?: string;
}

/**
 * Mutual TLS for a client: our certificate, and trust only in the given CAs. Reconnects (and new
 * channels made with the same credentials) resume the TLS session (resuming-credentials.ts).
 */
export function createClientCredentials(material: ClientTlsMaterial): ChannelCredentials {
  if (material.keyPem && !material.certPem) throw new Error('Private key must be given with accompanying certificate chain');
  const verifyOptions = material.serverId ? { checkServerIdentity: serverIdChecker(material.serverId) } : {};
  return new ResumingChannelCredentials(material, verifyOptions);
}

/**
 * Replaces the hostname check (the chain is still verified against the CA by Node): the server's
 * certificate must carry serverId as a URI SAN, or as a DNS name checked with Node's own rules.
 */
export function serverIdChecker(serverId: string): (host: string, cert: PeerCertificate) => Error | undefined {
  return (_host, cert) => {
    const identity = identityFromCertificate(cert);
    if (serverId.includes('://')) {
      if (identity.uris.includes(serverId)) return undefined;
      return new Error(
        `server identity mismatch: expected URI SAN ${serverId}, the server certificate has ${displaySans(identity.sans) || 'no SANs'}`,
      );
    }
    return checkHostname(serverId, cert);
  };
}

import { ServerCredentials } from '@grpc/grpc-js';

export interface ServerTlsMaterial {
  /** PEM bundle of the CAs whose client certificates are accepted. Never Node's public store. */
  clientCaPem: string;
  certPem: string;
  keyPem: string;
}

/**
 * Mutual TLS: checkClientCertificate=true makes Node request a certificate and refuse the handshake
 * when none is sent or it does not chain to clientCaPem, so no handler ever runs for such a peer.
 */
export function createServerCredentials(material: ServerTlsMaterial): ServerCredentials {
  return ServerCredentials.createSsl(
    Buffer.from(material.clientCaPem),
    [{ cert_chain: Buffer.from(material.certPem), private_key: Buffer.from(material.keyPem) }],
    true,
  );
}

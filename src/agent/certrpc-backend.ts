// The agent's backend for certrpc's own CA service (certrpc.v1.CertificateAuthority, `certrpc ca
// serve`): every call over certrpc's client (mutual TLS when there is an identity, the diagnosis of a
// refused connection), the CA verified against the trust the agent holds.
import { ChannelOptions, ClientReadableStream, credentials, Metadata, ServiceError, status as Status } from '@grpc/grpc-js';
import { connect } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { createClient } from '../client/create-client';
import { CertificateAuthorityClient, IssuedCertificate, TrustBundleResponse } from '../gen/certrpc/v1/ca';
import { PkiError } from '../pki/errors';
import { dnLine } from '../pki/distinguished-name';
import { pemBlocks } from '../pki/pem';
import { parseAddress } from '../tls/address';
import { formatFailure, networkFailure } from '../tls/failure-reasons';
import { BundleWatch, CaBackend, CurrentIdentity, IssuedIdentity, TrustMaterial } from './ca-backend';

const CALL_TIMEOUT_MS = 15_000;
/** Pings on the long-lived watch find a vanished CA (certrpc servers accept one every 10 s or slower). */
const CHANNEL_OPTIONS: ChannelOptions = { 'grpc.keepalive_time_ms': 30_000, 'grpc.keepalive_timeout_ms': 10_000 };

type Unary<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: { deadline: Date },
  callback: (err: ServiceError | null, res: Res) => void,
) => unknown;

function call<Req, Res>(client: CertificateAuthorityClient, method: Unary<Req, Res>, request: Req): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(client, request, new Metadata(), { deadline: new Date(Date.now() + CALL_TIMEOUT_MS) }, (err, res) =>
      err ? reject(err) : resolve(res),
    );
  });
}

export class CertrpcCaBackend implements CaBackend {
  private readonly clients = new Set<CertificateAuthorityClient>();

  /** `address`: HOST:PORT of `certrpc ca serve`, verified by the names of its certificate. */
  constructor(private readonly address: string) {}

  async pinnedRoot(fingerprint: string): Promise<string> {
    // Nothing is trusted yet: TLS without verification, then the pin decides. Only the certificate
    // whose hash is the pin is taken; the connection's own certificate is checked by the next call.
    const client = this.track(
      new CertificateAuthorityClient(
        this.address,
        credentials.createSsl(null, null, null, { rejectUnauthorized: false, checkServerIdentity: () => undefined }),
        CHANNEL_OPTIONS,
      ),
    );
    try {
      const bundle = await call(client, client.trustBundle, {}).catch(async (err: ServiceError) => {
        throw err.code === Status.UNAVAILABLE ? await withReason(err, this.address) : err;
      });
      const offered = pemBlocks(bundle.caBundlePem).map((pem) => ({ pem, cert: new X509Certificate(pem) }));
      const pinned = offered.find((o) => o.cert.fingerprint256 === fingerprint);
      if (!pinned) {
        throw new PkiError(
          `the CA at ${this.address} does not offer the root you pinned (SHA-256 ${fingerprint}); it offers ${offered.map((o) => `"${dnLine(o.cert.subject)}" ${o.cert.fingerprint256}`).join(', ') || 'nothing'}. Nothing was written`,
          {
            fix: "take the fingerprint from the CA host: openssl x509 -in DIR/ca.crt -noout -fingerprint -sha256 (or certrpc cert inspect DIR/ca.crt), and check that the CA address is that CA's",
          },
        );
      }
      if (!pinned.cert.ca || !pinned.cert.checkIssued(pinned.cert) || !pinned.cert.verify(pinned.cert.publicKey)) {
        throw new PkiError(`the pinned certificate "${dnLine(pinned.cert.subject)}" is not a self-signed root CA; nothing was written`, {
          fix: 'pin the root: the fingerprint of DIR/ca.crt on the CA host',
        });
      }
      return pinned.pem;
    } finally {
      this.untrack(client);
    }
  }

  async enroll(request: { token: string; csrPem: string; trustPem: string }): Promise<IssuedIdentity> {
    return this.issued(this.client(request.trustPem), (c) => call(c, c.enroll, { token: request.token, csrPem: request.csrPem }));
  }

  /** certrpc's CA signs a new key at every renewal: the CSR is required. */
  async renew(request: { current: CurrentIdentity; csrPem?: string; trustPem: string }): Promise<IssuedIdentity> {
    const csrPem = request.csrPem;
    if (!csrPem) throw new PkiError("certrpc's CA renews a certificate for a new key: the renewal needs a CSR");
    return this.issued(this.client(request.trustPem, request.current), (c) => call(c, c.renew, { csrPem }));
  }

  async trustMaterial(request: { trustPem: string; current?: CurrentIdentity }): Promise<TrustMaterial> {
    const client = this.client(request.trustPem, request.current);
    try {
      return material(await call(client, client.trustBundle, {}));
    } finally {
      this.untrack(client);
    }
  }

  watchTrustMaterial(
    request: { trustPem: string; current: CurrentIdentity },
    onMaterial: (m: TrustMaterial) => void,
    onEnd: (err?: Error) => void,
  ): BundleWatch {
    const client = this.client(request.trustPem, request.current);
    const stream: ClientReadableStream<TrustBundleResponse> = client.watchTrustBundle({});
    let ended = false;
    const end = (err?: Error) => {
      if (ended) return;
      ended = true;
      this.untrack(client);
      onEnd(err);
    };
    stream.on('data', (b: TrustBundleResponse) => onMaterial(material(b)));
    stream.on('error', (err: Error) => end(err));
    stream.on('end', () => end());
    return {
      cancel: () => {
        ended = true;
        stream.cancel();
        this.untrack(client);
      },
    };
  }

  close(): void {
    for (const c of this.clients) c.close();
    this.clients.clear();
  }

  private client(trustPem: string, current?: CurrentIdentity): CertificateAuthorityClient {
    return this.track(
      createClient(CertificateAuthorityClient, this.address, {
        tls: { caPem: trustPem, certPem: current?.certPem, keyPem: current?.keyPem },
        grpcOptions: CHANNEL_OPTIONS,
      }),
    );
  }

  private async issued(
    client: CertificateAuthorityClient,
    fn: (c: CertificateAuthorityClient) => Promise<IssuedCertificate>,
  ): Promise<IssuedIdentity> {
    try {
      const r = await fn(client);
      return { certPem: r.certificatePem, ...(r.notice ? { notice: r.notice } : {}) };
    } finally {
      this.untrack(client);
    }
  }

  private track(client: CertificateAuthorityClient): CertificateAuthorityClient {
    this.clients.add(client);
    return client;
  }

  private untrack(client: CertificateAuthorityClient): void {
    client.close();
    this.clients.delete(client);
  }
}

/** grpc-js's "No connection established" in words (nothing listening, unreachable...), as certrpc's clients say it. */
async function withReason(err: ServiceError, address: string): Promise<ServiceError> {
  const { host, port } = parseAddress(address);
  const failure = await new Promise<string | undefined>((resolve) => {
    const socket = connect({ host, port, timeout: 3000 }, () => (socket.destroy(), resolve(undefined)));
    socket.on('timeout', () => (socket.destroy(), resolve(formatFailure(networkFailure('ETIMEDOUT', address, 'timed out')))));
    socket.on('error', (e: NodeJS.ErrnoException) => resolve(formatFailure(networkFailure(e.code ?? 'ERROR', address, e.message))));
  });
  return failure ? Object.assign(err, { details: failure }) : err;
}

function material(b: TrustBundleResponse): TrustMaterial {
  return { caBundlePem: b.caBundlePem, crlPem: b.crlPem };
}

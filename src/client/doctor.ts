// `certrpc doctor`: the path of one call, step by step (TCP, TLS, the server's certificate, ours,
// WhoAmI, health), each passed or failed with the reason and the fix from tls/failure-reasons.ts.
// Stops at the first failure: later steps cannot work and would only add noise.
import { Client, Metadata, MethodDefinition, ServiceError, status as Status } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { connect as tcpConnect, Socket } from 'node:net';
import type { PeerCertificate } from 'node:tls';
import { IdentityService, WhoAmIResponse } from '../gen/certrpc/v1/identity';
import { openTunnel, parseProxyUrl } from '../proxy/connect-client';
import { cnText } from '../pki/distinguished-name';
import { printable } from '../text/printable';
import { defaultServerName, parseDialTarget, socketAddress } from '../tls/address';
import { networkFailure, TlsFailure } from '../tls/failure-reasons';
import { notGrpcOverTls } from '../tls/wrong-protocol';
import { probeTls, ProbeStep } from '../tls/probe';
import { ConnectionError, ConnectionOptions, DEFAULT_CONNECT_TIMEOUT_MS, RpcConnection } from './connection';
import { LocalRevocation, NEW_CERTIFICATE_FIX, revokedText, withLocalRevocation } from './local-revocation';

export type { LocalRevocation };

export type DoctorStepName = ProbeStep | 'whoami' | 'health';

export const DOCTOR_STEPS: { name: DoctorStepName; title: string }[] = [
  { name: 'tcp', title: 'TCP connect' },
  { name: 'tls-handshake', title: 'TLS handshake' },
  { name: 'server-certificate', title: 'server chain and names' },
  { name: 'client-certificate', title: 'client certificate accepted' },
  { name: 'whoami', title: 'WhoAmI' },
  { name: 'health', title: 'health' },
];

export interface DoctorStepResult {
  name: DoctorStepName;
  title: string;
  ok: boolean;
  /** Not applicable to this server (e.g. WhoAmI on a server certrpc did not make); counts as no failure. */
  skipped?: boolean;
  /** What was seen (pass) or why it failed. */
  detail: string;
  fix?: string;
  /** The failed connection behind a failed step: the CLI words its fix with flags (cli/error-wording.ts). */
  failure?: TlsFailure;
}

const titleOf = (name: DoctorStepName) => DOCTOR_STEPS.find((s) => s.name === name)!.title;
const pass = (name: DoctorStepName, detail: string): DoctorStepResult => ({ name, title: titleOf(name), ok: true, detail });
const fail = (name: DoctorStepName, failure: Pick<TlsFailure, 'reason' | 'fix'> | TlsFailure): DoctorStepResult => ({
  name,
  title: titleOf(name),
  ok: false,
  detail: failure.reason,
  fix: 'note' in failure && failure.note ? `${failure.fix}; ${failure.note}` : failure.fix,
  ...('code' in failure ? { failure } : {}),
});

function tcpStep(address: string, timeoutMs: number): Promise<DoctorStepResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = tcpConnect(socketAddress(parseDialTarget(address)));
    const done = (result: DoctorStepResult) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(fail('tcp', networkFailure('ETIMEDOUT', address, 'timed out'))));
    socket.once('connect', () => done(pass('tcp', `connected to ${address} in ${(performance.now() - started).toFixed(1)} ms`)));
    socket.once('error', (err: Error & { code?: string }) => done(fail('tcp', networkFailure(err.code ?? 'ERROR', address, err.message))));
  });
}

function describeServerCertificate(cert: PeerCertificate, name: string, serverId?: string): string {
  const subject = cert.subject?.CN ? cnText(String(cert.subject.CN)) : 'a certificate without CN';
  const issuer = cert.issuer?.CN ? cnText(String(cert.issuer.CN)) : 'its CA';
  const matched = serverId ? `matches server id ${serverId}` : `valid for ${name}`;
  return `${subject}, issued by ${issuer} (trusted), ${matched}, expires ${new Date(cert.valid_to).toISOString().slice(0, 10)}`;
}

function unary<Req, Res>(client: Client, method: MethodDefinition<Req, Res>, request: Req, deadline: number): Promise<Res> {
  return new Promise((resolve, reject) =>
    client.makeUnaryRequest(
      method.path,
      method.requestSerialize,
      method.responseDeserialize,
      request,
      new Metadata(),
      { deadline },
      (err, res) => (err ? reject(err) : resolve(res!)),
    ),
  );
}

const statusText = (err: ServiceError) => `${Status[err.code] ?? err.code}: ${printable(err.details)}`;
const skip = (name: DoctorStepName, detail: string): DoctorStepResult => ({ name, title: titleOf(name), ok: true, skipped: true, detail });
const unimplemented = (err: unknown) => (err as ServiceError).code === Status.UNIMPLEMENTED;

/** Runs the steps in order, yielding each result as it is known; the first failure is the last result. */
export async function* runDoctor(options: ConnectionOptions, local: { revoked?: LocalRevocation } = {}): AsyncGenerator<DoctorStepResult> {
  const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  // Through a proxy, the first step is the tunnel (TCP to the proxy, mTLS, CONNECT), and the TLS probe runs inside it.
  let tunnel: Socket | undefined;
  if (options.proxy) {
    try {
      tunnel = await openTunnel({ proxy: parseProxyUrl(options.proxy), tls: options.tls, target: options.address, timeoutMs });
      yield pass('tcp', `tunnel to ${options.address} through the proxy ${options.proxy}`);
    } catch (err) {
      if (!(err instanceof ConnectionError)) throw err;
      yield fail('tcp', err.failure);
      return;
    }
  } else {
    const tcp = await tcpStep(options.address, timeoutMs);
    yield tcp;
    if (!tcp.ok) return;
  }

  const name = options.authority ?? defaultServerName(parseDialTarget(options.address));
  const probe = await probeTls(options.address, options.tls, { authority: options.authority, timeoutMs, socket: tunnel });
  if (!probe.ok) {
    const order: ProbeStep[] = ['tls-handshake', 'server-certificate', 'client-certificate'];
    for (const step of order.slice(0, order.indexOf(probe.step))) {
      yield pass(
        step,
        step === 'tls-handshake'
          ? 'completed'
          : describeServerCertificate(probe.serverCertificate ?? ({} as PeerCertificate), name, options.tls.serverId),
      );
    }
    // A server refuses a revoked certificate without saying why (TLS 1.3: it just closes); the local CRL can.
    yield fail(probe.step === 'tcp' ? 'tls-handshake' : probe.step, withLocalRevocation(probe.step, probe.failure, local.revoked));
    return;
  }
  if (probe.alpn !== 'h2') {
    yield fail('tls-handshake', notGrpcOverTls(options.address, probe.alpn));
    return;
  }
  yield pass('tls-handshake', `${probe.protocol ?? 'TLS'}, ALPN h2`);
  yield pass('server-certificate', describeServerCertificate(probe.serverCertificate, name, options.tls.serverId));
  if (local.revoked) {
    yield fail('client-certificate', {
      reason: `the server accepted your certificate, but it is revoked (${revokedText(local.revoked)}): the server does not enforce the current CRL`,
      fix: `make the server load the current crl.pem (certrpc serve reloads DIR/crl.pem when it changes; copy it to servers that do not share the directory); and ${NEW_CERTIFICATE_FIX}`,
    });
    return;
  }
  yield pass(
    'client-certificate',
    options.tls.certPem
      ? 'the server accepted your certificate'
      : 'the server did not ask for a client certificate (it is not enforcing mutual TLS)',
  );

  const connection = new RpcConnection(options);
  try {
    await connection.connect();
    try {
      const me = await unary(
        connection.client,
        IdentityService.whoAmI as MethodDefinition<object, WhoAmIResponse>,
        {},
        Date.now() + timeoutMs,
      );
      const roles = me.roles.length > 0 ? `roles ${me.roles.join(', ')}` : 'no roles';
      yield pass('whoami', printable(`the server sees you as CN=${me.commonName}${me.spiffeId ? ` (${me.spiffeId})` : ''}, ${roles}`));
    } catch (err) {
      if (unimplemented(err)) {
        yield skip('whoami', 'not offered: this is not a certrpc server (the connection itself works)');
      } else {
        yield fail('whoami', {
          reason: `WhoAmI failed: ${statusText(err as ServiceError)}`,
          fix: "certrpc servers let every authenticated caller call WhoAmI; check the server's policy and log",
        });
        return;
      }
    }

    try {
      const check = healthService.Check as MethodDefinition<{ service: string }, { status: string }>;
      const health = await unary(connection.client, check, { service: '' }, Date.now() + timeoutMs);
      if (health.status !== 'SERVING') {
        yield fail('health', {
          reason: `the server reports ${health.status}`,
          fix: 'it may be starting or shutting down: wait and retry, or check its log',
        });
        return;
      }
      yield pass('health', 'SERVING');
    } catch (err) {
      if (unimplemented(err)) yield skip('health', 'not offered: the server has no grpc.health.v1.Health');
      else
        yield fail('health', {
          reason: `health check failed: ${statusText(err as ServiceError)}`,
          fix: 'the server should let every caller call grpc.health.v1.Health/Check',
        });
    }
  } catch (err) {
    if (!(err instanceof ConnectionError)) throw err;
    yield fail('whoami', err.failure);
  } finally {
    connection.close();
  }
}

// The one way certrpc talks to step-ca: HTTPS with node:https, trusting exactly the pinned root
// (never the public store), a client certificate when the call is authenticated by one, a bounded
// answer, no redirects, no connection reuse. Transport failures become StepCaErrors that say which
// side failed; what an HTTP status means is for the caller (client.ts), who knows the operation.
import { request as httpsRequest } from 'node:https';
import { printable } from '../text/printable';
import { StepCaError } from './step-ca-error';

export interface StepCaCall {
  /** The CA's base URL (parseStepCaUrl). */
  url: string;
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  /**
   * The root(s) the CA's TLS certificate must chain to; `unverified` only for fetching the root
   * itself by its fingerprint, whose answer the caller checks against the pin before using it.
   */
  trust: { rootPem: string } | 'unverified';
  /** Our certificate chain and key, for calls step-ca authenticates by mutual TLS (renew, rekey, revoke). */
  identity?: { certChainPem: string; keyPem: string };
  timeoutMs?: number;
}

export interface StepCaAnswer {
  status: number;
  /** The parsed JSON body, or undefined when it was not JSON. */
  json: unknown;
  /** step-ca's own words for an error (`{"status":..., "message":...}`), or the start of the body. */
  message: string;
}

const DEFAULT_TIMEOUT_MS = 15_000;
/** step-ca's answers are a few certificates; anything bigger is not step-ca. */
const MAX_BODY_BYTES = 1 << 20;

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The server's words reach a terminal and the logs: escaped here, where they enter (any server answers a first contact). */
function messageOf(json: unknown, text: string): string {
  if (typeof json === 'object' && json !== null && typeof (json as { message?: unknown }).message === 'string')
    return printable((json as { message: string }).message.trim());
  return printable(text.slice(0, 200).replace(/\s+/g, ' ').trim());
}

function transportError(call: StepCaCall, err: NodeJS.ErrnoException): StepCaError {
  const where = `${call.method} ${call.url}${call.path}`;
  const code = err.code ?? '';
  if (UNREACHABLE.has(code) || code === 'STEP_CA_TIMEOUT') {
    return new StepCaError('unreachable', `step-ca at ${call.url} cannot be reached (${where}: ${code || err.message})`, {
      fix: `check that step-ca runs and listens there (curl -k ${call.url}/health answers {"status":"ok"}), and that the URL names its host and port`,
    });
  }
  if (UNTRUSTED.has(code)) {
    return new StepCaError(
      'untrusted-ca',
      `the server at ${call.url} is not the step-ca whose root you pinned: its TLS certificate does not verify (${code}: ${err.message})`,
      {
        fix: "check the URL (host and port of the CA) and the root fingerprint (of that CA's root); the CA must present a certificate for the host name in the URL",
      },
    );
  }
  if (
    /ALERT_(BAD_CERTIFICATE|CERTIFICATE_EXPIRED|CERTIFICATE_REVOKED|UNKNOWN_CA|CERTIFICATE_UNKNOWN|UNSUPPORTED_CERTIFICATE)/.test(code) &&
    call.identity
  ) {
    return new StepCaError(
      'refused',
      `step-ca refused our certificate during the TLS handshake (${where}: ${code}): it is expired or not yet valid, or no longer chains to the CA's roots`,
      {
        fix: 'enroll this host again with a new one-time token from the CA operator',
      },
    );
  }
  return new StepCaError('unreachable', `${where} failed: ${code ? `${code}: ` : ''}${err.message}`, {
    fix: `check that ${call.url} is a step-ca and reachable from here`,
  });
}

/** One HTTPS exchange with step-ca. Resolves with any HTTP answer; rejects (StepCaError) when there was none. */
export function callStepCa(call: StepCaCall): Promise<StepCaAnswer> {
  const target = new URL(call.path, call.url);
  const body = call.body === undefined ? undefined : Buffer.from(JSON.stringify(call.body));
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        protocol: 'https:',
        hostname: target.hostname.replace(/^\[|\]$/g, ''),
        port: target.port || 443,
        path: target.pathname,
        method: call.method,
        agent: false,
        headers: { accept: 'application/json', ...(body ? { 'content-type': 'application/json', 'content-length': body.length } : {}) },
        ...(call.trust === 'unverified' ? { rejectUnauthorized: false } : { ca: call.trust.rootPem, rejectUnauthorized: true }),
        ...(call.identity ? { cert: call.identity.certChainPem, key: call.identity.keyPem } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) {
            req.destroy();
            reject(
              new StepCaError('bad-response', `${call.method} ${target.href} answered more than ${MAX_BODY_BYTES} bytes: not step-ca`, {
                fix: 'check the URL: https://HOST:PORT of the step-ca',
              }),
            );
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', (err) => reject(transportError(call, err)));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, json, message: messageOf(json, text) });
        });
      },
    );
    const limit = call.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    req.setTimeout(limit, () => req.destroy(Object.assign(new Error(`no answer within ${limit} ms`), { code: 'STEP_CA_TIMEOUT' })));
    // Node's timeout is idle time (every byte restarts it): a peer dripping its answer would hold the call forever.
    const deadline = setTimeout(() => {
      reject(transportError(call, Object.assign(new Error(`no whole answer within ${limit} ms`), { code: 'STEP_CA_TIMEOUT' })));
      req.destroy();
    }, limit);
    req.on('close', () => clearTimeout(deadline));
    req.on('error', (err: NodeJS.ErrnoException) => reject(transportError(call, err)));
    req.end(body);
  });
}

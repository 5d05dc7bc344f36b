// certrpc's client for smallstep's step-ca (its HTTP API as of 0.19): bootstrap trust from a root
// fingerprint, enroll with a provisioner's one-time token (/1.0/sign), renew or rekey over mutual
// TLS (/1.0/renew, /1.0/rekey), revoke (/1.0/revoke, passive: step-ca 0.19 has no CRL; a revoked
// certificate is refused at its next renewal). Every answer is checked (step-ca-answers.ts, issued-chain.ts)
// before it is returned; every refusal says what step-ca said, what it means here, and what to do.
import { createPrivateKey, createPublicKey, KeyObject, X509Certificate } from 'node:crypto';
import { keyMatchesCertificate } from '../pki/key-match';
import { parseCertificateBundle } from '../pki/pem';
import { readCsr } from '../pki/csr';
import { checkIssuedChain, IssuedChain } from './issued-chain';
import { readTokenClaims } from './one-time-token';
import { checkRenewal, parsed, refused, renewalRefusal, rootAnswer, rootsAnswer, signAnswer, tokenRefusal } from './step-ca-answers';
import { callStepCa, StepCaCall } from './step-ca-https';
import { StepCaError } from './step-ca-error';
import { fingerprintOf, parseFingerprint, parseStepCaUrl } from './step-ca-input';
import { dnLine } from '../pki/distinguished-name';

export interface StepCaCallOptions {
  timeoutMs?: number;
}

export interface SignOptions extends StepCaCallOptions {
  /** The certificate's lifetime, within the provisioner's claims ("10m", "24h"); default: step-ca's. */
  lifetime?: string;
}

export type RevokeRequest =
  /** A certificate revoking itself, authenticated by mutual TLS. */
  | { certChainPem: string; keyPem: string }
  /** Any certificate by serial (hex, as certrpc and OpenSSL print it), with a revoke token (aud revokeAudience, sub = decimal serial). */
  | { serial: string; token: string };

/** step-ca numbers certificates in decimal; certrpc, Node and OpenSSL print hex. */
export const decimalSerial = (hexSerial: string): string => BigInt(`0x${hexSerial.replace(/:/g, '')}`).toString(10);

/**
 * First contact, before anything is trusted: the root whose SHA-256 is `fingerprint` (hex, colons
 * and case as you like), fetched without verifying the server, then checked against the pin: its
 * hash, that it is a self-signed CA, and that the server's own TLS certificate chains to it.
 * Returns the root PEM. Nothing the pin did not name is ever trusted.
 */
export async function fetchRoot(url: string, fingerprint: string, options: StepCaCallOptions = {}): Promise<string> {
  const base = parseStepCaUrl(url);
  const pin = parseFingerprint(fingerprint);
  const call: StepCaCall = { url: base, method: 'GET', path: `/root/${pin}`, trust: 'unverified', timeoutMs: options.timeoutMs };
  const answer = await callStepCa(call);
  if (answer.status === 404) {
    throw new StepCaError(
      'untrusted-ca',
      `step-ca at ${base} has no root with SHA-256 ${pin} (HTTP 404: ${answer.message}): it is not the CA you pinned`,
      {
        status: 404,
        option: 'caFingerprint',
        code: 'STEPCA_NO_SUCH_ROOT',
        fix: 'check the root fingerprint against the "X.509 Root Fingerprint" step-ca prints at start (or `step certificate fingerprint root_ca.crt` on the CA host), and the URL',
      },
    );
  }
  if (answer.status !== 200) throw refused(call, answer);
  let root: X509Certificate;
  try {
    [root] = parseCertificateBundle(parsed(rootAnswer, answer, 'the root').ca);
  } catch (err) {
    if (err instanceof StepCaError) throw err;
    throw new StepCaError('bad-response', `the root step-ca sent is not a certificate: ${(err as Error).message}`, {
      fix: 'check the URL: https://HOST:PORT of the step-ca',
    });
  }
  const got = fingerprintOf(root);
  if (got !== pin) {
    throw new StepCaError(
      'untrusted-ca',
      `the server at ${base} answered with a root whose SHA-256 is ${got}, not the pinned ${pin}: not trusted, nothing was written`,
      {
        option: 'caFingerprint',
        fix: 'something between you and the CA, or another server, answered: check the URL; if the CA really changed its root, get its new fingerprint from its operator',
      },
    );
  }
  if (!root.ca || !root.checkIssued(root) || !root.verify(root.publicKey)) {
    throw new StepCaError('untrusted-ca', `the pinned certificate "${dnLine(root.subject)}" is not a self-signed root CA`, {
      option: 'caFingerprint',
      fix: 'pin the root of the CA (root_ca.crt), not its intermediate',
    });
  }
  // The pin names the root; the next call proves the server we talk to holds a certificate under it.
  const rootPem = root.toString();
  const health = await callStepCa({ url: base, method: 'GET', path: '/health', trust: { rootPem }, timeoutMs: options.timeoutMs });
  if (health.status !== 200) throw refused({ url: base, method: 'GET', path: '/health', trust: { rootPem } }, health);
  return rootPem;
}

/** The CA's roots now (GET /roots, the CA verified by `rootPem`): the trust bundle, PEM, roots only. */
export async function fetchRoots(url: string, rootPem: string, options: StepCaCallOptions = {}): Promise<string> {
  const call: StepCaCall = { url: parseStepCaUrl(url), method: 'GET', path: '/roots', trust: { rootPem }, timeoutMs: options.timeoutMs };
  const answer = await callStepCa(call);
  if (answer.status !== 200 && answer.status !== 201) throw refused(call, answer);
  const roots = parsed(rootsAnswer, answer, 'the roots').crts.flatMap((pem) => parseCertificateBundle(pem));
  const notRoot = roots.find((r) => !r.ca || !r.checkIssued(r) || !r.verify(r.publicKey));
  if (notRoot)
    throw new StepCaError('bad-response', `step-ca listed "${dnLine(notRoot.subject)}" among its roots, but it is not a self-signed CA`, {
      fix: "look at the CA's ca.json `root`",
    });
  return roots.map((r) => r.toString()).join('');
}

/**
 * Enrollment: step-ca signs the CSR if the token allows exactly its names. Returns the certificate
 * and its chain, checked: for the CSR's key, chained to `rootPem`, valid now.
 */
export async function sign(url: string, rootPem: string, csrPem: string, token: string, options: SignOptions = {}): Promise<IssuedChain> {
  const base = parseStepCaUrl(url);
  if (!readTokenClaims(token.trim())) {
    throw new StepCaError('bad-input', 'this is not a step-ca one-time token (a JWT: three base64url parts separated by dots)', {
      option: 'token',
      fix: 'pass the token `step ca token` printed on the CA host, whole, on one line',
    });
  }
  const csr = await readCsr(csrPem);
  const key = createPublicKey({ key: Buffer.from(csr.csr.publicKey.rawData), format: 'der', type: 'spki' });
  const call: StepCaCall = {
    url: base,
    method: 'POST',
    path: '/1.0/sign',
    body: { csr: csrPem, ott: token.trim(), ...(options.lifetime ? { notAfter: options.lifetime } : {}) },
    trust: { rootPem },
    timeoutMs: options.timeoutMs,
  };
  const answer = await callStepCa(call);
  if (answer.status === 401) throw tokenRefusal(call, answer, token.trim(), new Date());
  if (answer.status === 403) {
    throw refused(
      call,
      answer,
      'request-refused',
      "the token says which names this host may have: ask for a token whose sans are exactly the names you request (or request exactly the token's names)",
    );
  }
  if (answer.status !== 201 && answer.status !== 200) throw refused(call, answer);
  const body = parsed(signAnswer, answer, 'the signed certificate');
  return checkIssuedChain('signed certificate', body.certChain ?? [body.crt, ...(body.ca ? [body.ca] : [])], rootPem, key);
}

interface CurrentCertificate {
  leaf: X509Certificate;
  key: KeyObject;
}

/** The certificate to renew, checked here first: one that expired can only be replaced by enrolling again. */
function current(certChainPem: string, keyPem: string, now: Date): CurrentCertificate {
  const [leaf] = parseCertificateBundle(certChainPem);
  if (!keyMatchesCertificate(keyPem, leaf.toString())) {
    throw new StepCaError('bad-input', `the key is not the key of "${dnLine(leaf.subject)}"`, {
      fix: "use the key that was made with this certificate's request",
    });
  }
  const described = `"${dnLine(leaf.subject)}" (serial ${leaf.serialNumber})`;
  if (now > new Date(leaf.validTo)) {
    throw new StepCaError(
      'certificate-expired',
      `${described} expired at ${new Date(leaf.validTo).toISOString()}: step-ca renews only a certificate that is still valid`,
      {
        fix: 'enroll again with a new one-time token from the CA operator',
      },
    );
  }
  return { leaf, key: createPrivateKey(keyPem) };
}

async function renewal(
  path: '/1.0/renew' | '/1.0/rekey',
  url: string,
  rootPem: string,
  certChainPem: string,
  keyPem: string,
  newKey: KeyObject | undefined,
  csrPem: string | undefined,
  options: StepCaCallOptions,
): Promise<IssuedChain> {
  const base = parseStepCaUrl(url);
  const old = current(certChainPem, keyPem, new Date());
  const call: StepCaCall = {
    url: base,
    method: 'POST',
    path,
    body: csrPem ? { csr: csrPem } : {},
    trust: { rootPem },
    identity: { certChainPem, keyPem },
    timeoutMs: options.timeoutMs,
  };
  const answer = await callStepCa(call);
  if (answer.status === 401 || answer.status === 403) throw renewalRefusal(answer, old.leaf);
  if (answer.status !== 201 && answer.status !== 200) throw refused(call, answer);
  const body = parsed(signAnswer, answer, 'the renewed certificate');
  const issued = checkIssuedChain(
    'renewed certificate',
    body.certChain ?? [body.crt, ...(body.ca ? [body.ca] : [])],
    rootPem,
    newKey ?? createPublicKey(old.key),
  );
  checkRenewal(old.leaf, issued.leaf);
  return issued;
}

/** Renewal over mutual TLS with the current certificate and key: same names and key, new serial and dates. */
export function renew(
  url: string,
  rootPem: string,
  certChainPem: string,
  keyPem: string,
  options: StepCaCallOptions = {},
): Promise<IssuedChain> {
  return renewal('/1.0/renew', url, rootPem, certChainPem, keyPem, undefined, undefined, options);
}

/** Renewal with a new key (the CSR's), authenticated by the current certificate and key: same names. */
export async function rekey(
  url: string,
  rootPem: string,
  certChainPem: string,
  keyPem: string,
  csrPem: string,
  options: StepCaCallOptions = {},
): Promise<IssuedChain> {
  const csr = await readCsr(csrPem);
  const newKey = createPublicKey({ key: Buffer.from(csr.csr.publicKey.rawData), format: 'der', type: 'spki' });
  return renewal('/1.0/rekey', url, rootPem, certChainPem, keyPem, newKey, csrPem, options);
}

/**
 * Passive revocation (the only kind step-ca 0.19 has): the CA records the serial and refuses to
 * renew it; the certificate itself stays valid until it expires, since nothing publishes the revocation.
 */
export async function revoke(
  url: string,
  rootPem: string,
  request: RevokeRequest,
  options: StepCaCallOptions & { reasonCode?: number; reason?: string } = {},
): Promise<void> {
  const base = parseStepCaUrl(url);
  const byCertificate = 'certChainPem' in request;
  const serial = byCertificate ? current(request.certChainPem, request.keyPem, new Date()).leaf.serialNumber : request.serial;
  const call: StepCaCall = {
    url: base,
    method: 'POST',
    path: '/1.0/revoke',
    body: {
      serial: decimalSerial(serial),
      reasonCode: options.reasonCode ?? 0,
      ...(options.reason ? { reason: options.reason } : {}),
      passive: true,
      ...(byCertificate ? {} : { ott: request.token }),
    },
    trust: { rootPem },
    ...(byCertificate ? { identity: { certChainPem: request.certChainPem, keyPem: request.keyPem } } : {}),
    timeoutMs: options.timeoutMs,
  };
  const answer = await callStepCa(call);
  if (answer.status !== 200) throw refused(call, answer);
}

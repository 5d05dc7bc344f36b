// step-ca's one-time token (OTT) for its JWK provisioners: a compact JWS (RFC 7515), ES256, whose
// claims say who may get which certificate from which CA. step-ca checks the signature against
// the provisioner's public key in its ca.json (found by `kid`), the audience, the times, and that
// the `jti` was never used. Made with node:crypto only: the JOSE pieces are three base64url
// strings and an ECDSA signature in the raw r||s form JWS requires (dsaEncoding 'ieee-p1363').
import { createHash, createPrivateKey, createPublicKey, JsonWebKey, KeyObject, randomUUID, sign } from 'node:crypto';
import { parseDuration } from '../text/quantities';
import { StepCaError } from './step-ca-error';

/** A JWK provisioner's signing side: its name in ca.json and its private key (JWK or KeyObject). */
export interface ProvisionerKey {
  name: string;
  key: JsonWebKey | KeyObject;
  /** The key id step-ca knows the key by; default: the JWK's own `kid`, else its RFC 7638 thumbprint (what `step` uses). */
  kid?: string;
}

export interface TokenRequest {
  /** The certificate's common name (and, with no sans, its only name). For a revoke token: the serial in decimal. */
  sub: string;
  /** Every name the certificate will carry (DNS names, IP addresses, emails, URIs), as step-ca lists them. */
  sans?: string[];
  /** The endpoint it is for: signAudience(url) or revokeAudience(url). */
  aud: string;
  /** How long the token is good for: "5m" (the default), 300 (seconds). */
  ttl?: string | number;
  now?: Date;
}

/** The claims of a token, read without checking anything: for saying why step-ca refused it. */
export interface TokenView {
  iss?: string;
  sub?: string;
  aud?: string[];
  sans?: string[];
  nbf?: number;
  exp?: number;
}

const DEFAULT_TTL_MS = 5 * 60_000;
const MAX_TTL_MS = 24 * 3_600_000;

export const signAudience = (url: string): string => `${url}/1.0/sign`;
export const revokeAudience = (url: string): string => `${url}/1.0/revoke`;

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

function ecP256(key: JsonWebKey | KeyObject): KeyObject {
  const object = key instanceof KeyObject ? key : createPrivateKey({ key, format: 'jwk' });
  if (object.type !== 'private' || object.asymmetricKeyType !== 'ec' || object.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new StepCaError(
      'bad-input',
      "a step-ca one-time token is signed with the provisioner's private EC P-256 key (ES256); this key is not one",
      {
        fix: "use the JWK provisioner's private key (`step crypto jwk create pub.json priv.json --kty EC --crv P-256`, decrypted)",
      },
    );
  }
  return object;
}

/** RFC 7638: SHA-256 over the required members in lexicographic order, base64url. step's `kid`. */
export function jwkThumbprint(key: JsonWebKey | KeyObject): string {
  const jwk = key instanceof KeyObject ? (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'jwk' }) : key;
  if (jwk.kty !== 'EC' || !jwk.crv || !jwk.x || !jwk.y)
    throw new StepCaError('bad-input', 'only EC keys are used for step-ca provisioners here', {});
  return createHash('sha256')
    .update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }))
    .digest('base64url');
}

/** The provisioner's public key as ca.json's `key` holds it: `{kty, crv, x, y, kid, use: "sig", alg: "ES256"}`. */
export function provisionerPublicJwk(key: JsonWebKey | KeyObject): JsonWebKey & { kid: string; use: string; alg: string } {
  const pub = createPublicKey(ecP256(key)).export({ format: 'jwk' });
  return { kty: pub.kty, crv: pub.crv, x: pub.x, y: pub.y, kid: jwkThumbprint(pub), use: 'sig', alg: 'ES256' };
}

function tokenTtl(ttl: string | number): number {
  try {
    return parseDuration(ttl);
  } catch (err) {
    throw new StepCaError('bad-input', `token ttl: ${(err as Error).message}`, { fix: 'give a ttl such as 5m' });
  }
}

/** A one-time token: good once, for `request.aud`, for `ttl` from now. */
export function ott(provisioner: ProvisionerKey, request: TokenRequest): string {
  const key = ecP256(provisioner.key);
  const ttlMs = request.ttl === undefined ? DEFAULT_TTL_MS : tokenTtl(request.ttl);
  if (ttlMs <= 0 || ttlMs > MAX_TTL_MS)
    throw new StepCaError('bad-input', `a one-time token lives between 1 s and 24 h, not ${request.ttl}`, { fix: 'give a ttl such as 5m' });
  const now = Math.floor((request.now ?? new Date()).getTime() / 1000);
  const ownKid = provisioner.key instanceof KeyObject ? undefined : (provisioner.key as { kid?: unknown }).kid;
  const kid = provisioner.kid ?? (typeof ownKid === 'string' ? ownKid : jwkThumbprint(key));
  const header = b64url({ alg: 'ES256', kid, typ: 'JWT' });
  const claims = b64url({
    iss: provisioner.name,
    sub: request.sub,
    aud: request.aud,
    ...(request.sans ? { sans: request.sans } : {}),
    iat: now,
    nbf: now,
    exp: now + Math.round(ttlMs / 1000),
    jti: randomUUID(),
  });
  const signature = sign('sha256', Buffer.from(`${header}.${claims}`), { key, dsaEncoding: 'ieee-p1363' });
  return `${header}.${claims}.${signature.toString('base64url')}`;
}

const strings = (v: unknown): string[] | undefined =>
  Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : typeof v === 'string' ? [v] : undefined;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The claims of a compact JWS, or undefined when it is not one. Nothing here is verified or trusted. */
export function readTokenClaims(token: string): TokenView | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as unknown;
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as unknown;
    const isObject = (v: unknown): v is object => typeof v === 'object' && v !== null && !Array.isArray(v);
    if (!isObject(header) || !isObject(claims)) return undefined;
    const c = claims as Record<string, unknown>;
    return { iss: str(c.iss), sub: str(c.sub), aud: strings(c.aud), sans: strings(c.sans), nbf: num(c.nbf), exp: num(c.exp) };
  } catch {
    return undefined;
  }
}

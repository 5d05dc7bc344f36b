import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { jwkThumbprint, ott, provisionerPublicJwk, readTokenClaims, signAudience } from './one-time-token';
import { StepCaError } from './step-ca-error';

const part = (token: string, i: number): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split('.')[i], 'base64url').toString('utf8')) as Record<string, unknown>;

describe('step-ca one-time tokens', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

  it("the key id is the RFC 7638 thumbprint (the value go-jose, step's library, computes for this key)", () => {
    const jwk = {
      kty: 'EC',
      crv: 'P-256',
      x: 'hMYCfJbZuf53ouUnr7YrNUZMmatmChEkM5SSJFeLBeo',
      y: 'K-izXXJT3KT6HMeV7Zy3xscq4wHxeKHmD6s7YsVT9QA',
    };
    expect(jwkThumbprint(jwk)).toBe('VbSEnFW5ANGbUAQexxj8JUzcrWa3UUwn7HvifgGfClA');
    expect(jwkThumbprint(createPublicKey({ key: jwk, format: 'jwk' }))).toBe('VbSEnFW5ANGbUAQexxj8JUzcrWa3UUwn7HvifgGfClA');
  });

  it("is a compact ES256 JWS: raw r||s signature over header.claims, verifiable with the provisioner's public key", () => {
    const now = new Date('2026-05-01T00:00:00Z');
    const token = ott(
      { name: 'ops', key: privateKey },
      { sub: 'svc', sans: ['svc.test', '10.0.0.5'], aud: signAudience('https://ca.test:9000'), ttl: '2m', now },
    );
    const [h, c, s] = token.split('.');
    expect(part(token, 0)).toEqual({ alg: 'ES256', kid: jwkThumbprint(publicKey), typ: 'JWT' });
    expect(part(token, 1)).toMatchObject({
      iss: 'ops',
      sub: 'svc',
      aud: 'https://ca.test:9000/1.0/sign',
      sans: ['svc.test', '10.0.0.5'],
      iat: 1777593600,
      nbf: 1777593600,
      exp: 1777593720,
    });
    expect(part(token, 1).jti).toMatch(/^[0-9a-f-]{36}$/);
    const signature = Buffer.from(s, 'base64url');
    expect(signature).toHaveLength(64);
    expect(verify('sha256', Buffer.from(`${h}.${c}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)).toBe(true);
  });

  it('every token has its own jti (step-ca accepts each jti once)', () => {
    const request = { sub: 'svc', aud: 'https://ca.test/1.0/sign' };
    expect(part(ott({ name: 'ops', key: privateKey }, request), 1).jti).not.toBe(
      part(ott({ name: 'ops', key: privateKey }, request), 1).jti,
    );
  });

  it("takes the kid of a JWK that names one (the provisioner's key as `step crypto jwk create` writes it)", () => {
    const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'my-kid' };
    expect(part(ott({ name: 'ops', key: jwk }, { sub: 'svc', aud: 'https://ca.test/1.0/sign' }), 0).kid).toBe('my-kid');
  });

  it('refuses keys that cannot sign ES256, and absurd lifetimes', () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
    expect(() => ott({ name: 'ops', key: p384 }, { sub: 'svc', aud: 'x' })).toThrow(StepCaError);
    expect(() => ott({ name: 'ops', key: publicKey }, { sub: 'svc', aud: 'x' })).toThrow(/private EC P-256 key/);
    expect(() => ott({ name: 'ops', key: privateKey }, { sub: 'svc', aud: 'x', ttl: '48h' })).toThrow(/between 1 s and 24 h/);
    expect(() => ott({ name: 'ops', key: privateKey }, { sub: 'svc', aud: 'x', ttl: 'soon' })).toThrow(
      /token ttl: "soon" is not a duration/,
    );
  });

  it('the public JWK for ca.json: kty, crv, x, y, kid = thumbprint, use sig, alg ES256, no private part', () => {
    const jwk = provisionerPublicJwk(privateKey);
    expect(Object.keys(jwk).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', use: 'sig', alg: 'ES256', kid: jwkThumbprint(publicKey) });
  });

  it('reads claims for diagnosis without trusting them, and says undefined for anything else', () => {
    const token = ott({ name: 'ops', key: privateKey }, { sub: 'svc', sans: ['a'], aud: 'https://ca.test/1.0/sign' });
    expect(readTokenClaims(token)).toMatchObject({ iss: 'ops', sub: 'svc', sans: ['a'], aud: ['https://ca.test/1.0/sign'] });
    for (const junk of ['', 'a.b', 'a.b.c.d', 'not a token', '!!.??.**', `${Buffer.from('[]').toString('base64url')}.e30.sig`])
      expect(readTokenClaims(junk)).toBeUndefined();
  });
});

// The names step-ca 0.19 puts in the certificate it signs for a one-time token (JWK provisioner):
// the token's subject (`sub`) is the CN, its `sans` (when empty: [sub]) the SANs, each sorted into a
// type by x509util.SplitSANs' rule: an IP address, else a URI (it has a scheme), else an email
// (an @), else a DNS name. step-ca signs a CSR only if its CN is `sub` and each kind of SAN it
// states equals the token's, so a CSR made from these names is one step-ca accepts. Read without
// verifying anything: step-ca verifies the token; this only says what to ask for.
import { isIP } from 'node:net';
import { PkiError } from '../pki/errors';
import { checkSan, San } from '../pki/subject-alt-names';
import { readTokenClaims } from './one-time-token';
import { StepCaError } from './step-ca-error';

export interface TokenNames {
  /** The certificate's CN: the token's `sub`. */
  commonName: string;
  sans: San[];
}

/** One of the token's names as step-ca types it (x509util.SplitSANs). */
export function sanOfTokenName(name: string): San {
  if (isIP(name) !== 0) return { type: 'IP', value: name };
  if (/^[a-z][a-z0-9+.-]*:/i.test(name)) return { type: 'URI', value: name };
  if (name.includes('@')) return { type: 'email', value: name };
  return { type: 'DNS', value: name };
}

const fix = 'pass the token `step ca token NAME --san ...` printed on the CA host, whole, on one line';

/** The CN and SANs the certificate for this token will carry; throws (bad-input, option token) when the token says none. */
export function namesOfToken(token: string): TokenNames {
  const claims = readTokenClaims(token.trim());
  if (!claims)
    throw new StepCaError('bad-input', 'this is not a step-ca one-time token (a JWT: three base64url parts separated by dots)', {
      option: 'token',
      fix,
    });
  if (!claims.sub)
    throw new StepCaError(
      'bad-input',
      'this step-ca token names no subject (its "sub" claim): step-ca would not know whose certificate to sign',
      { option: 'token', fix },
    );
  const names = [...new Set(claims.sans?.length ? claims.sans : [claims.sub])];
  const sans = names.map((name) => {
    try {
      return checkSan(sanOfTokenName(name), { option: 'token' });
    } catch (err) {
      if (!(err instanceof PkiError)) throw err;
      throw new StepCaError('bad-input', `one of the token's names cannot go in a certificate request: ${err.message}`, {
        option: 'token',
        fix: 'ask the CA operator for a token whose names are DNS names, IP addresses, emails or scheme:// URIs',
      });
    }
  });
  return { commonName: claims.sub, sans };
}

// What step-ca's answers mean: each answer read against the shape step-ca sends (zod), each refusal
// turned into a StepCaError that says what step-ca said, what it means here, and what to do, and a
// renewal checked to be one. The calls themselves are in client.ts.
import { X509Certificate } from 'node:crypto';
import { z } from 'zod';
import { dnLine } from '../pki/distinguished-name';
import { readTokenClaims, signAudience } from './one-time-token';
import { StepCaError } from './step-ca-error';
import { StepCaAnswer, StepCaCall } from './step-ca-https';

export const signAnswer = z.object({ crt: z.string(), ca: z.string().optional(), certChain: z.array(z.string()).optional() });
export const rootAnswer = z.object({ ca: z.string() });
export const rootsAnswer = z.object({ crts: z.array(z.string()).min(1) });

export function parsed<T>(schema: z.ZodType<T>, answer: StepCaAnswer, what: string): T {
  const result = schema.safeParse(answer.json);
  if (!result.success)
    throw new StepCaError(
      'bad-response',
      `${what}: step-ca's answer (HTTP ${answer.status}) is not what step-ca sends (${answer.message || 'empty'})`,
      { fix: 'check that the URL names a step-ca' },
    );
  return result.data;
}

export function refused(
  call: StepCaCall,
  answer: StepCaAnswer,
  reason: 'refused' | 'request-refused' = 'refused',
  fix = "read the CA's log for the reason step-ca gave",
): StepCaError {
  return new StepCaError(reason, `step-ca refused ${call.method} ${call.path} (HTTP ${answer.status}: ${answer.message})`, {
    status: answer.status,
    fix,
  });
}

/** Why step-ca (401, with its generic words) refused a token, from what the token itself says. */
export function tokenRefusal(call: StepCaCall, answer: StepCaAnswer, token: string, now: Date): StepCaError {
  const claims = readTokenClaims(token);
  const said = `step-ca refused the one-time token (HTTP ${answer.status}: ${answer.message})`;
  const fix = 'ask the CA operator for a new token for this host (on the CA: `step ca token NAME --san NAME ...`) and run again with it';
  const seconds = now.getTime() / 1000;
  // step-ca allows a minute of clock skew either way (jose ValidateWithLeeway).
  if (claims?.exp !== undefined && seconds > claims.exp + 60) {
    return new StepCaError('token-expired', `${said}: the token expired at ${new Date(claims.exp * 1000).toISOString()}`, {
      status: answer.status,
      option: 'token',
      fix,
    });
  }
  if (claims?.nbf !== undefined && seconds < claims.nbf - 60) {
    return new StepCaError(
      'token-expired',
      `${said}: the token is not valid before ${new Date(claims.nbf * 1000).toISOString()} (check this host's clock)`,
      { status: answer.status, option: 'token', fix },
    );
  }
  const want = new URL(signAudience(call.url));
  const forHere = claims?.aud?.some(
    (a) => URL.canParse(a) && new URL(a).hostname === want.hostname && new URL(a).pathname === want.pathname,
  );
  if (!forHere) {
    return new StepCaError(
      'token-refused',
      `${said}: the token is for ${claims?.aud?.join(', ') ?? 'no audience'}, while this CA is reached as ${want.href}`,
      {
        status: answer.status,
        option: 'token',
        fix: `${fix}; its audience must name the CA as you reach it (one of its dnsNames)`,
      },
    );
  }
  return new StepCaError(
    'token-refused',
    `${said}: a one-time token works once — this one was used already (by an earlier run, or by someone who saw it) — or its provisioner (${claims?.iss ?? 'none named'}) is not one of this CA's`,
    {
      status: answer.status,
      option: 'token',
      fix,
    },
  );
}

/**
 * What a refused renewal means with step-ca 0.19 (no CRL): a 401 is a revoked certificate (step-ca's
 * authorizeRenew says "certificate has been revoked" in its log, and only its generic words to us)
 * or one whose provisioner was removed from the CA. Either way it will never renew again.
 */
export function renewalRefusal(answer: StepCaAnswer, leaf: X509Certificate): StepCaError {
  const until = new Date(leaf.validTo).toISOString();
  return new StepCaError(
    'renewal-refused',
    `${answer.status === 401 ? 'revoked: ' : ''}step-ca refused to renew "${dnLine(leaf.subject)}" (serial ${leaf.serialNumber}, valid until ${until}) (HTTP ${answer.status}: ${answer.message}): ` +
      'it has been revoked (step-ca 0.19 publishes no CRL: refusing the renewal is how a revocation shows), or its provisioner was removed from the CA',
    {
      status: answer.status,
      fix: `this certificate cannot be renewed: it stays in use until it expires (${until}); enroll this host again with a new one-time token from the CA operator if it should go on`,
    },
  );
}

/** A renewal keeps the names and moves forward: checked against the certificate it renews. */
export function checkRenewal(old: X509Certificate, issued: X509Certificate): void {
  if (issued.subject !== old.subject || issued.subjectAltName !== old.subjectAltName) {
    throw new StepCaError(
      'bad-response',
      `step-ca's renewal of "${dnLine(old.subject)}" came back as "${dnLine(issued.subject)}" with other names (${issued.subjectAltName ?? 'none'}); nothing was written`,
      {
        fix: "a renewal keeps the names: look at the CA's log and templates",
      },
    );
  }
  // step-ca renews for the same duration from now: a new serial that never expires before the old
  // one. Anything else is a replay (the current certificate, or an older one, both genuine).
  const [before, after] = [new Date(old.validTo), new Date(issued.validTo)];
  if (issued.serialNumber === old.serialNumber || after < before) {
    throw new StepCaError(
      'bad-response',
      `step-ca's renewal of "${dnLine(old.subject)}" (serial ${old.serialNumber}, until ${before.toISOString()}) came back as serial ${issued.serialNumber}, until ${after.toISOString()}: ` +
        'the same certificate or an older one, not a renewal; nothing was written',
      { fix: "a renewal is a new certificate that lives at least as long: check that the step-ca URL given is the CA's, and its clock" },
    );
  }
}

// What an enrollment sends: a key made here (0600 once written) and a CSR for it, named as the CA
// wants: certrpc's CA takes CN = the identity's name and decides the rest from the token it
// issued; step-ca signs only a CSR that states exactly its token's names, read from the token. A
// token must be for this identity either way: its certificate's CN is the agent's name.
import { existsSync } from 'node:fs';
import { PkiError, PkiErrorContext } from '../pki/errors';
import { createKeyAndCsr, KeyAndCsr } from '../pki/make-csr';
import { formatSanText, San } from '../pki/subject-alt-names';
import type { AgentFiles } from './agent-files';
import type { CaBackend } from './ca-backend';

/**
 * Where a token for `name` comes from, for fixes, in the library's words (the CLI names `certrpc ca
 * token` and its flags: cli/error-wording.ts); `again`: for a name that already has a certificate.
 */
export function tokenSource(backend: CaBackend, name: string, again: boolean): string {
  return (
    backend.tokenHint?.(name) ??
    `on the CA host, make ${again ? `a new token for ${name} that replaces the enrolled identity` : `a token for ${name}`}`
  );
}

/** What the CLI words a fix about tokens from: the name, and the backend's own hint (step-ca's) when it has one. */
function tokenParams(backend: CaBackend, name: string): Record<string, string> {
  const hint = backend.tokenHint?.(name);
  return hint === undefined ? { name } : { name, tokenHint: hint };
}

/** The fix for an identity that cannot renew itself (revoked, expired): a new token, then the agent again. */
export function reEnroll(backend: CaBackend, name: string): Required<Pick<PkiErrorContext, 'code' | 'fix' | 'params'>> {
  return {
    code: 'AGENT_REENROLL',
    fix: `${tokenSource(backend, name, true)}; then enroll again with it`,
    params: tokenParams(backend, name),
  };
}

/** The names the CA wants the CSR to state (undefined: it decides), checked to be this identity's. */
export function tokenNames(backend: CaBackend, name: string, token: string): { commonName: string; sans: San[] } | undefined {
  const names = backend.enrollmentNames?.(token);
  if (names && names.commonName !== name) {
    throw new PkiError(
      `this token is for ${JSON.stringify(names.commonName)} (${names.sans.map(formatSanText).join(', ')}), not for ${name}: the certificate it gets would be another identity's. Nothing was sent or written; the token was not used`,
      {
        option: 'token',
        fix: `ask for a token for ${name} (${tokenSource(backend, name, false)}), or use the name the token is for (${JSON.stringify(names.commonName)})`,
      },
    );
  }
  return names;
}

/** The key and CSR to enroll with, after the checks that keep a token from being spent in vain. */
export async function enrollmentRequest(
  backend: CaBackend,
  files: AgentFiles,
  token: string | undefined,
): Promise<KeyAndCsr & { token: string }> {
  if (!token) {
    throw new PkiError(`no certificate yet (${files.certFile}) and no token to enroll with`, {
      option: 'token',
      code: 'AGENT_NO_TOKEN',
      fix: `${tokenSource(backend, files.name, false)}; then enroll with it (token, or the CERTRPC_TOKEN environment variable)`,
      params: tokenParams(backend, files.name),
    });
  }
  // A key without its certificate is never overwritten (a revoked/expired pair being replaced goes as a pair).
  if (!files.hasIdentity() && existsSync(files.keyFile)) {
    throw new PkiError(
      `${files.keyFile} exists without ${files.certFile} (left by an interrupted enrollment, or another program's key); nothing was written`,
      { file: files.keyFile, fix: 'move it away, or choose another name for the identity' },
    );
  }
  files.checkWritable();
  const names = tokenNames(backend, files.name, token);
  return { token, ...(await createKeyAndCsr(names?.commonName ?? files.name, undefined, names?.sans)) };
}

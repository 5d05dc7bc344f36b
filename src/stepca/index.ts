// certrpc and smallstep's step-ca: the client (client.ts, its answers read by step-ca-answers.ts), one-time
// tokens (one-time-token.ts), the agent's backend (step-ca-backend.ts). Nothing here depends on the agent.
export { decimalSerial, fetchRoot, fetchRoots, rekey, renew, revoke, sign } from './client';
export type { RevokeRequest, SignOptions, StepCaCallOptions } from './client';
export type { IssuedChain } from './issued-chain';
export { jwkThumbprint, ott, provisionerPublicJwk, readTokenClaims, revokeAudience, signAudience } from './one-time-token';
export type { ProvisionerKey, TokenRequest, TokenView } from './one-time-token';
export { StepCaBackend } from './step-ca-backend';
export type { StepCaBackendOptions, StepCaTrustMaterial } from './step-ca-backend';
export { StepCaError } from './step-ca-error';
export type { StepCaFailure } from './step-ca-error';
export { fingerprintOf, parseFingerprint, parseStepCaUrl } from './step-ca-input';
export { namesOfToken, sanOfTokenName } from './token-names';
export type { TokenNames } from './token-names';

import type { IdentityServer } from '../gen/certrpc/v1/identity';
import { callerOf } from '../gate/caller';

/** certrpc.v1.Identity: tells callers who the server believes they are. Every certrpc server offers it. */
export const identityService: IdentityServer = {
  whoAmI(call, callback) {
    const { identity, roles } = callerOf(call);
    callback(null, {
      commonName: identity.commonName,
      sans: identity.sans,
      serial: identity.serial,
      notAfter: identity.notAfter.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      roles,
      spiffeId: identity.spiffeId ?? '',
      fingerprintSha256: identity.fingerprint.toLowerCase(),
      issuer: identity.issuer,
    });
  },
};

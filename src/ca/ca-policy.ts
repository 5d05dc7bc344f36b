// Who may call what on the CA service when `certrpc ca serve` runs without --policy. Enroll and
// TrustBundle need no certificate (the token, and nothing secret); Renew and WatchTrustBundle are for
// any valid caller (the handler renews the caller's OWN names only); Issue, which names a
// certificate freely, is for no one: grant it to an admin role in a policy file (README "Running a fleet").
import { CompiledPolicy } from '../authz/compiled-policy';
import { ANY_CALLER } from '../authz/policy-model';

const SERVICE = '/certrpc.v1.CertificateAuthority';

export const CA_METHODS = {
  enroll: `${SERVICE}/Enroll`,
  renew: `${SERVICE}/Renew`,
  issue: `${SERVICE}/Issue`,
  trustBundle: `${SERVICE}/TrustBundle`,
  watchTrustBundle: `${SERVICE}/WatchTrustBundle`,
} as const;

/** Callable over TLS without a client certificate: a host that has no identity yet. */
export const ANONYMOUS_CA_METHODS: string[] = [CA_METHODS.enroll, CA_METHODS.trustBundle];

export function defaultCaPolicy(): CompiledPolicy {
  return new CompiledPolicy({
    name: 'built-in CA policy (no policy file given)',
    format: 'certrpc',
    roles: [],
    rules: [
      {
        name: 'renew-self',
        effect: 'allow',
        roles: [ANY_CALLER],
        methods: [CA_METHODS.renew, CA_METHODS.watchTrustBundle, CA_METHODS.trustBundle],
      },
      {
        name: 'health-and-whoami',
        effect: 'allow',
        roles: [ANY_CALLER],
        methods: ['/grpc.health.v1.Health/*', '/certrpc.v1.Identity/WhoAmI'],
      },
    ],
    audit: { mode: 'all' },
  });
}

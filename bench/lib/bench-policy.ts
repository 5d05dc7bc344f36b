// The authorization policy the certrpc bench server runs with: shaped like a real deployment's
// (a dozen roles and rules, wildcards, a deny rule), with the bench client allowed on demo.v1.Echo.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLIENT_SPIFFE_ID } from './bench-pki';

const TEAMS = ['billing', 'search', 'ledger', 'payments', 'catalog', 'orders', 'shipping', 'identity'];

export function benchPolicyYaml(): string {
  const teamRoles = TEAMS.map((t) => `  ${t}:\n    - spiffe: "spiffe://corp.example/service/${t}/*"\n    - cn: "svc-${t}-*.prod"`).join(
    '\n',
  );
  const teamRules = TEAMS.map(
    (t) =>
      `  - name: ${t}-own-service\n    roles: [${t}]\n    methods: ["/${t}.v1.${t[0].toUpperCase()}${t.slice(1)}/*", /demo.v1.KeyValue/Get]`,
  ).join('\n');
  return `version: 1
name: bench
audit:
  log: all
roles:
  bench:
    - spiffe: "${CLIENT_SPIFFE_ID.replace(/[^/]+$/, '*')}"
  admin:
    - cn: alice
${teamRoles}
rules:
  - name: no-kv-deletes-for-bench
    effect: deny
    roles: [bench]
    methods: [/demo.v1.KeyValue/Delete]
${teamRules}
  - name: bench-echo
    roles: [bench]
    methods: ["/demo.v1.Echo/*", /demo.v1.KeyValue/Get, /demo.v1.KeyValue/Put]
  - name: admin-everything
    roles: [admin]
    methods: ["*"]
  - name: health-and-whoami-for-any-caller
    roles: ["*"]
    methods: ["/grpc.health.v1.Health/*", /certrpc.v1.Identity/WhoAmI]
`;
}

/**
 * Writes dir/policy.yaml; the audit log goes to dir/logs/audit.log (set by the server config). Not
 * beside the policy: the policy watcher watches its directory, and would wake on every audit line
 * (measured: ~5% of a call's server CPU; docs/BENCHMARKS.md).
 */
export function writeBenchPolicy(dir: string): { policyFile: string; auditFile: string } {
  const policyFile = join(dir, 'policy.yaml');
  writeFileSync(policyFile, benchPolicyYaml());
  mkdirSync(join(dir, 'logs'));
  return { policyFile, auditFile: join(dir, 'logs', 'audit.log') };
}

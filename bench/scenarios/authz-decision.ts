// In-process cost of one authorization decision (roles from the certificate, then the rules for
// the method) for policies of 10, 1,000 and 10,000 rules over 100 roles. The policy is indexed
// (rules by method, principals by exact value), so the cost must stay flat as it grows: target
// < 2 us per decision at 10,000 rules. Also reported: the first decision for a new certificate
// (role resolution, uncached) and the time to parse + compile the policy file (a reload).
import { performance } from 'node:perf_hooks';
import { CompiledPolicy } from '../../src/authz/compiled-policy';
import type { PeerIdentity } from '../../src/gate/peer-identity';
import { parsePolicy } from '../../src/authz/policy-file';
import { policyYaml, referenceDecision, referenceRoles, ROLES, serviceOf, syntheticPolicy } from '../lib/synthetic-policy';
import { BenchOptions, Comparison, Measurement, Scenario, ScenarioResult } from '../scenario';

const SIZES = [10, 1_000, 10_000];
const TARGET_NS = 2_000;

function identity(n: number, fields: Partial<PeerIdentity>): PeerIdentity {
  return {
    commonName: '',
    sans: [],
    dnsNames: [],
    uris: [],
    ips: [],
    emails: [],
    serial: n.toString(16),
    fingerprint: `bench:${n}`,
    issuer: 'CN=bench',
    notAfter: new Date(0),
    ...fields,
  };
}

/** Callers that hold a role by CN, by DNS SAN, by SPIFFE wildcard, and one that holds none. */
function callers(): PeerIdentity[] {
  return [
    identity(1, { commonName: 'user-1' }),
    identity(2, { commonName: 'device', dnsNames: ['svc-3.corp'] }),
    identity(3, { commonName: 'device', uris: ['spiffe://corp/ns/team-19/api'], spiffeId: 'spiffe://corp/ns/team-19/api' }),
    identity(4, { commonName: 'stranger' }),
  ];
}

/** A spread of methods: allowed, denied by rule, denied by default, unknown. */
function methods(rules: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < 256; i++) {
    const r = (i * 7919) % rules;
    const service = serviceOf(r);
    // Drop: on a service that has a deny rule (every 50th rule), where the policy has one.
    const denied = r - (r % 50) + 49;
    out.push(
      i % 4 === 0
        ? `${serviceOf(denied < rules ? denied : r)}/Drop`
        : i % 4 === 1
          ? `${service}/Get`
          : i % 4 === 2
            ? `${service}/Method${r}`
            : `/nobody.v1.Knows/Method${i}`,
    );
  }
  return out;
}

function nsPer(iterations: number, run: (i: number) => void): number {
  const start = performance.now();
  for (let i = 0; i < iterations; i++) run(i);
  return ((performance.now() - start) * 1e6) / iterations;
}

export interface MeasureOptions {
  /** Changes the YAML the measured policy is compiled from (tests: a broken policy must show errors). */
  policyYaml?: (yaml: string) => string;
}

/**
 * One policy size. Errors are decisions that differ from the reference reading of the same rules
 * (synthetic-policy.ts), and role sets of new certificates that differ from the reference roles.
 */
export function measure(rules: number, iterations: number, options: MeasureOptions = {}): { measurements: Measurement[]; ns: number } {
  const model = syntheticPolicy(rules);
  const yaml = policyYaml(model);
  const loadStart = performance.now();
  const policy = new CompiledPolicy(parsePolicy(options.policyYaml ? options.policyYaml(yaml) : yaml, `synthetic-${rules}.yaml`));
  const loadMs = performance.now() - loadStart;
  const who = callers();
  const ms = methods(rules);
  // What each (caller, method) pair must be answered, worked out before the clock starts.
  const expected = who.flatMap((caller) => ms.map((method) => referenceDecision(model, referenceRoles(model, caller), method)));
  let allowed = 0;
  let errors = 0;
  const decide = (i: number) => {
    const ok = policy.decide(who[i & 3], ms[i & 255]).allowed;
    if (ok) allowed++;
    if (ok !== expected[((i & 3) << 8) | (i & 255)]) errors++;
  };
  nsPer(Math.min(iterations, 100_000), decide); // warm-up: JIT, role cache, method cache
  allowed = 0;
  errors = 0;
  const ns = nsPer(iterations, decide);
  // A new certificate each time: roles resolved through the exact maps and the wildcard list.
  const coldIterations = Math.max(1_000, Math.floor(iterations / 20));
  let coldErrors = 0;
  const cold = nsPer(coldIterations, (i) => {
    const caller = identity(1_000 + i, { commonName: `user-${i % ROLES}`, dnsNames: [`svc-${i % ROLES}.corp`] });
    const roles = [...new Set(policy.resolver.grants(caller).map((g) => g.role))];
    // Exact CN/DNS principals only: role-k, unless role k is a SPIFFE pattern's.
    const k = i % ROLES;
    if (roles.join() !== (k % 10 === 9 ? '' : `role-${k}`)) coldErrors++;
  });
  const row = (label: string, count: number, rowErrors: number, nsEach: number, extra: Record<string, number | string>): Measurement => ({
    label,
    count,
    errors: rowErrors,
    perSecond: 1e9 / nsEach,
    extra: { 'ns/op': nsEach, ...extra },
  });
  return {
    ns,
    measurements: [
      row(`decide, ${rules} rules, ${ROLES} roles`, iterations, errors, ns, {
        'allowed %': (allowed / iterations) * 100,
        'load ms': loadMs,
      }),
      row(`roles of a new certificate, ${rules} rules`, coldIterations, coldErrors, cold, {}),
    ],
  };
}

export const authzDecisionScenario: Scenario = {
  name: 'authz-decision',
  async run(options: BenchOptions): Promise<ScenarioResult> {
    const iterations = options.quick ? 200_000 : 2_000_000;
    const measurements: Measurement[] = [];
    const nsBySize = new Map<number, number>();
    for (const rules of SIZES) {
      const m = measure(rules, iterations);
      nsBySize.set(rules, m.ns);
      measurements.push(...m.measurements);
    }
    const largest = nsBySize.get(SIZES[SIZES.length - 1])!;
    const flatness = largest / nsBySize.get(SIZES[0])!;
    const comparisons: Comparison[] = [
      { name: `ns/decision at ${SIZES[SIZES.length - 1]} rules`, value: largest, target: `< ${TARGET_NS}`, met: largest < TARGET_NS },
      {
        name: `ns/decision ${SIZES[SIZES.length - 1]} rules / ${SIZES[0]} rules (flat = about 1)`,
        value: flatness,
        target: '<= 2',
        met: flatness <= 2,
      },
    ];
    return {
      scenario: 'authz-decision',
      measurements,
      comparisons,
      notes: [
        'in-process, one core: CompiledPolicy.decide() with roles cached per certificate (the steady state of a server)',
        'methods mix: allowed, denied by a deny rule, denied by default, unknown to the policy; 4 callers (CN, DNS SAN, SPIFFE wildcard, no role)',
        'errors: decisions (and role sets of new certificates) that differ from a plain reading of the same rules, deny first (bench/lib/synthetic-policy.ts)',
        '"load ms" = parse + validate + compile the YAML (what a hot reload costs)',
      ],
    };
  },
};

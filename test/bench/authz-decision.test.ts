// The authz-decision bench counts wrong decisions instead of reporting 0: against a plain reading
// of the same rules, the real policy makes none, and a policy that drifted from the rules shows up.
import { measure } from '../../bench/scenarios/authz-decision';
import { policyYaml, referenceDecision, referenceRoles, syntheticPolicy } from '../../bench/lib/synthetic-policy';
import { identity } from '../helpers/identities';

const errorsOf = (result: ReturnType<typeof measure>) => result.measurements.map((m) => m.errors);

describe('authz-decision bench: errors are counted', () => {
  it('reports no error for the policy as written, at every size the bench runs', () => {
    for (const rules of [10, 1_000, 10_000]) expect(errorsOf(measure(rules, 4_096))).toEqual([0, 0]);
  });

  it('counts the decisions of a policy that lost principals, and the new certificates it no longer recognizes', () => {
    // The measured callers' principals renamed: what their roles allowed is now denied; new
    // certificates user-1, user-101... no longer get role-1.
    const lose = (yaml: string) =>
      yaml
        .replace('cn: "user-1"', 'cn: "user-one"')
        .replace('dns: "svc-3.corp"', 'dns: "svc-three.corp"')
        .replace('team-19/*', 'team-nineteen/*');
    const broken = measure(1_000, 4_096, { policyYaml: lose });
    const [decide, cold] = errorsOf(broken);
    expect(decide).toBeGreaterThan(0);
    expect(cold).toBeGreaterThan(0);
  });

  it('counts the decisions of a policy whose deny rules became allow rules', () => {
    expect(errorsOf(measure(1_000, 4_096, { policyYaml: (yaml) => yaml.replace(/\n {4}effect: deny/g, '') }))[0]).toBeGreaterThan(0);
  });

  it('the reference reads the rules deny first, then allow, else deny', () => {
    const model = syntheticPolicy(100);
    expect(referenceRoles(model, identity({ commonName: 'user-47' }))).toEqual(['role-47']);
    expect(referenceRoles(model, identity({ commonName: 'device', dnsNames: ['svc-3.corp'] }))).toEqual(['role-3']);
    expect(referenceRoles(model, identity({ uris: ['spiffe://corp/ns/team-19/api'] }))).toEqual(['role-19']);
    expect(referenceDecision(model, ['role-47'], '/pkg47.v1.Service0/Method47')).toBe(true);
    expect(referenceDecision(model, ['role-47'], '/pkg47.v1.Service0/Other')).toBe(false);
    expect(referenceDecision(model, ['role-40'], '/pkg40.v1.Service0/Anything')).toBe(true); // svc-40: the whole service
    const small = {
      name: 'small',
      roles: [{ name: 'a', principals: [{ field: 'cn' as const, pattern: 'a' }] }],
      rules: [
        { name: 'no-drop', effect: 'deny' as const, roles: ['a'], methods: ['/p.S/Drop'] },
        { name: 'all-of-s', effect: 'allow' as const, roles: ['a'], methods: ['/p.S/*'] },
      ],
    };
    expect(referenceDecision(small, ['a'], '/p.S/Drop')).toBe(false);
    expect(referenceDecision(small, ['a'], '/p.S/Get')).toBe(true);
    expect(referenceDecision(small, [], '/p.S/Get')).toBe(false);
    expect(policyYaml(model)).toContain(
      '- name: deny-49\n    effect: deny\n    roles: [role-49, role-1]\n    methods: ["/pkg49.v1.Service0/Drop"]',
    );
  });
});

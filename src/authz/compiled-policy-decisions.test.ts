// Every way CompiledPolicy decides a call: the reason, the rule that decided, and what a decision
// carries (policy name and generation, candidates); which decisions it reuses and which never.
import { Metadata } from '@grpc/grpc-js';
import { cn } from '../../test/helpers/identities';
import { allowAllAuthenticated, CompiledPolicy, DEFAULT_POLICY_NAME, defaultPolicy } from './compiled-policy';
import { PolicyModel, RuleModel } from './policy-model';

const model = (rules: RuleModel[], format: PolicyModel['format'] = 'certrpc'): PolicyModel => ({
  name: 'p',
  format,
  roles: [
    { name: 'reader', principals: [{ field: 'cn', pattern: 'bob' }] },
    { name: 'writer', principals: [{ field: 'cn', pattern: 'wendy' }] },
  ],
  rules,
  audit: { mode: 'on_deny', destination: 'stderr' },
});
const allow = (name: string, roles: string[], methods: string[], extra: Partial<RuleModel> = {}): RuleModel => ({
  name,
  effect: 'allow',
  roles,
  methods,
  ...extra,
});
const deny = (name: string, roles: string[], methods: string[], extra: Partial<RuleModel> = {}): RuleModel => ({
  ...allow(name, roles, methods, extra),
  effect: 'deny',
});
const tenant = (...values: string[]) => {
  const m = new Metadata();
  for (const v of values) m.add('x-tenant', v);
  return m;
};

describe('CompiledPolicy decisions', () => {
  it('a decision carries the method, roles, reason, rule, candidates, policy name and generation', () => {
    const p = new CompiledPolicy(model([allow('r', ['reader'], ['/a.B/C'])]), 4);
    const d = p.decide(cn('bob'), '/a.B/C');
    expect(d).toMatchObject({
      allowed: true,
      method: '/a.B/C',
      roles: ['reader'],
      reason: 'allowed',
      policyName: 'p',
      policyGeneration: 4,
    });
    expect(d.rule?.name).toBe('r');
    expect(d.candidates.map((r) => r.name)).toEqual(['r']);
    expect(p.name).toBe('p');
    expect(p.audit).toEqual({ mode: 'on_deny', destination: 'stderr' });
    expect(new CompiledPolicy(model([])).generation).toBe(1);
    expect(p.grantsOf(cn('bob'))).toEqual([{ role: 'reader', field: 'cn', pattern: 'bob', value: 'bob' }]);
  });

  it('the first allow rule that applies decides, in policy order', () => {
    const p = new CompiledPolicy(
      model([allow('writers', ['writer'], ['*']), allow('first', ['reader'], ['*']), allow('second', ['*'], ['*'])]),
    );
    expect(p.decide(cn('bob'), '/a.B/C').rule?.name).toBe('first');
    expect(p.decide(cn('mallory'), '/a.B/C').rule?.name).toBe('second');
  });

  it('a deny rule that applies wins over any allow, one whose role the caller lacks does not', () => {
    const p = new CompiledPolicy(model([allow('all', ['*'], ['*']), deny('no-writers', ['writer'], ['/a.B/Drop'])]));
    expect(p.decide(cn('wendy'), '/a.B/Drop')).toMatchObject({ allowed: false, reason: 'denied-by-rule', rule: { name: 'no-writers' } });
    expect(p.decide(cn('bob'), '/a.B/Drop')).toMatchObject({ allowed: true, rule: { name: 'all' } });
  });

  it('a deny rule with a header condition denies only when its headers match', () => {
    const p = new CompiledPolicy(
      model([allow('all', ['*'], ['*']), deny('no-globex', ['*'], ['*'], { headers: [{ key: 'x-tenant', values: ['globex'] }] })]),
    );
    expect(p.decide(cn('bob'), '/a.B/C', tenant('globex'))).toMatchObject({ allowed: false, rule: { name: 'no-globex' } });
    expect(p.decide(cn('bob'), '/a.B/C', tenant('acme'))).toMatchObject({ allowed: true, rule: { name: 'all' } });
    expect(p.decide(cn('bob'), '/a.B/C')).toMatchObject({ allowed: true, rule: { name: 'all' } });
  });

  it('a header mismatch names the first allow rule whose headers failed, and the header', () => {
    const p = new CompiledPolicy(
      model([
        deny('deny-beta', ['*'], ['*'], { headers: [{ key: 'x-tenant', values: ['beta'] }] }),
        allow('other-role', ['writer'], ['*'], { headers: [{ key: 'x-tenant', values: ['w'] }] }),
        allow('acme', ['reader'], ['*'], { headers: [{ key: 'x-tenant', values: ['acme'] }] }),
        allow('globex', ['reader'], ['*'], { headers: [{ key: 'x-tenant', values: ['globex'] }] }),
      ]),
    );
    const d = p.decide(cn('bob'), '/a.B/C', tenant('initech'));
    expect(d).toMatchObject({ allowed: false, reason: 'header-mismatch', rule: { name: 'acme' }, failedHeader: { key: 'x-tenant' } });
    expect(p.decide(cn('bob'), '/a.B/C', tenant('globex')).rule?.name).toBe('globex');
    // A later allow rule without conditions still allows: a mismatch only explains a denial.
    const q = new CompiledPolicy(
      model([allow('acme', ['reader'], ['*'], { headers: [{ key: 'x-tenant', values: ['acme'] }] }), allow('any', ['*'], ['*'])]),
    );
    expect(q.decide(cn('bob'), '/a.B/C', tenant('x'))).toMatchObject({ allowed: true, rule: { name: 'any' } });
  });

  it('no allow rule for the method; allow rules for other roles; no roles at all', () => {
    const p = new CompiledPolicy(model([deny('d', ['reader'], ['/a.B/Drop']), allow('w', ['writer'], ['/a.B/Put'])]));
    expect(p.decide(cn('wendy'), '/a.B/Drop')).toMatchObject({ allowed: false, reason: 'no-rule-for-method', rule: undefined });
    expect(p.decide(cn('bob'), '/a.B/Put')).toMatchObject({ allowed: false, reason: 'role-not-allowed' });
    expect(p.decide(cn('mallory'), '/a.B/Put')).toMatchObject({ allowed: false, reason: 'no-roles', roles: [] });
    expect(p.decide(cn('mallory'), '/a.B/Nothing')).toMatchObject({ allowed: false, reason: 'no-rule-for-method', candidates: [] });
  });

  it('a rule of another kind (connect) never decides a call', () => {
    const p = new CompiledPolicy(model([{ name: 'tunnel', effect: 'allow', roles: ['*'], connect: ['*'] }]));
    expect(p.decide(cn('bob'), '/a.B/C')).toMatchObject({ allowed: false, reason: 'no-rule-for-method', candidates: [] });
  });

  it('reuses a decision per frozen role list and method, up to 1,000 methods per role list', () => {
    const p = new CompiledPolicy(model([allow('all', ['reader'], ['*'])]));
    const bob = cn('bob');
    const first = p.decide(bob, '/m.S/0');
    expect(Object.isFrozen(first)).toBe(true);
    expect(p.decide(bob, '/m.S/0')).toBe(first);
    for (let i = 1; i < 1_000; i++) p.decide(bob, `/m.S/${i}`);
    const over = p.decide(bob, '/m.S/over');
    expect(over).toEqual({ ...first, method: '/m.S/over' });
    expect(p.decide(bob, '/m.S/over')).not.toBe(over);
    expect(Object.isFrozen(over)).toBe(false);
    expect(p.decide(bob, '/m.S/999')).toBe(p.decide(bob, '/m.S/999'));
  });

  it('never reuses a decision where any candidate rule has a header condition, even one that did not apply', () => {
    const p = new CompiledPolicy(
      model([allow('all', ['*'], ['*']), deny('no-globex', ['writer'], ['*'], { headers: [{ key: 'x-tenant', values: ['globex'] }] })]),
    );
    const bob = cn('bob');
    const d = p.decide(bob, '/a.B/C');
    expect(d.allowed).toBe(true);
    expect(p.decide(bob, '/a.B/C')).not.toBe(d);
    expect(Object.isFrozen(d)).toBe(false);
  });
});

describe('the built-in policies', () => {
  it('without a policy: health and WhoAmI for any caller, anything else "no-policy", every call audited', () => {
    const p = defaultPolicy();
    expect(p.name).toBe(DEFAULT_POLICY_NAME);
    // The name logs, audit lines and `policy` answers show for it: it says no policy was given.
    expect(DEFAULT_POLICY_NAME).toBe('built-in default (no policy given)');
    expect(p.audit).toEqual({ mode: 'all' });
    expect(p.decide(cn('x'), '/grpc.health.v1.Health/Watch')).toMatchObject({
      allowed: true,
      reason: 'allowed',
      rule: { name: 'health-and-whoami' },
    });
    expect(p.decide(cn('x'), '/certrpc.v1.Identity/WhoAmI').allowed).toBe(true);
    expect(p.decide(cn('x'), '/certrpc.v1.Identity/Other')).toMatchObject({ allowed: false, reason: 'no-policy' });
    expect(p.decide(cn('x'), '/a.B/C')).toMatchObject({ allowed: false, reason: 'no-policy' });
  });

  it('allow-all-authenticated: every method for every caller, no roles, denials of other stages audited', () => {
    const p = allowAllAuthenticated();
    expect(p.name).toMatch(/allow all/);
    expect(p.audit).toEqual({ mode: 'on_deny' });
    expect(p.decide(cn('anyone'), '/a.B/C')).toMatchObject({ allowed: true, roles: [], rule: { name: 'any-authenticated-caller' } });
  });
});

// decideWithLookup: a name target is resolved once, only when its decision depends on the addresses,
// and decided on exactly those addresses (the policy's real connect rules; the resolver is the one
// seam ConnectProxy offers for it, `lookup`).
import { cn } from '../../test/helpers/identities';
import { CompiledPolicy } from '../authz/compiled-policy';
import { ConnectTarget, decideConnect, parseConnectTarget } from '../authz/connect-rules';
import { parsePolicy } from '../authz/policy-file';
import { decideWithLookup, systemLookup, TargetLookupError } from './target-lookup';

// Compiled in a hook, not while the file loads: a policy that fails to compile fails the tests
// (a killed mutant) instead of crashing the file (a "runtime error").
let policy: CompiledPolicy;
beforeAll(() => {
  policy = new CompiledPolicy(
    parsePolicy(
      `
roles:
  dev: [{ cn: bob }]
rules:
  - { name: no-db, effect: deny, roles: ["*"], connect: ["10.9.0.0/16:*"] }
  - { name: dev-kv, roles: [dev], connect: ["kv.internal:50051"] }
  - { name: dev-local, roles: [dev], connect: ["localhost:50051"] }
`,
      'test.yaml',
    ),
  );
});
const target = (text: string) => parseConnectTarget(text) as ConnectTarget;
const decide = (t: ConnectTarget) => (addresses?: readonly string[]) => decideConnect(policy, cn('bob'), t, addresses);

/** A resolver that records what it was asked. */
function resolver(answer: (name: string) => string[]) {
  const asked: string[] = [];
  return { asked, lookup: async (name: string) => (asked.push(name), answer(name)) };
}

describe('decideWithLookup', () => {
  it('resolves an allowed name once and decides on those addresses: the tunnel may go only there', async () => {
    const r = resolver(() => ['192.0.2.7', '192.0.2.8']);
    const t = target('kv.internal:50051');
    expect(await decideWithLookup(decide(t), t, r.lookup)).toMatchObject({
      allowed: true,
      rule: 'dev-kv',
      resolved: ['192.0.2.7', '192.0.2.8'],
      connectTo: ['192.0.2.7', '192.0.2.8'],
    });
    expect(r.asked).toEqual(['kv.internal']);
  });

  it('refuses when an address the name resolves to is denied (no rebinding around an address rule)', async () => {
    const r = resolver(() => ['192.0.2.7', '10.9.1.1']);
    const t = target('kv.internal:50051');
    expect(await decideWithLookup(decide(t), t, r.lookup)).toMatchObject({ allowed: false, rule: 'no-db', connectTo: [] });
  });

  it('asks the resolver nothing when no rule could allow the target', async () => {
    const r = resolver(() => ['192.0.2.7']);
    const t = target('elsewhere.example:22');
    expect(await decideWithLookup(decide(t), t, r.lookup)).toMatchObject({ allowed: false });
    expect(r.asked).toEqual([]);
  });

  it('a name that does not resolve, or resolves to no address, is an error naming it and the resolver code; never a decision on no addresses', async () => {
    const t = target('kv.internal:50051');
    const decided: (readonly string[] | undefined)[] = [];
    const recording = (addresses?: readonly string[]) => (decided.push(addresses), decide(t)(addresses));
    const failing = async () => {
      throw Object.assign(new Error('getaddrinfo EAI_AGAIN kv.internal'), { code: 'EAI_AGAIN' });
    };
    const err = await decideWithLookup(recording, t, failing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TargetLookupError);
    expect(err).toMatchObject({
      host: 'kv.internal',
      code: 'EAI_AGAIN',
      message: 'kv.internal does not resolve: getaddrinfo EAI_AGAIN kv.internal',
    });
    const empty = await decideWithLookup(recording, t, async () => []).catch((e: unknown) => e);
    expect(empty).toBeInstanceOf(TargetLookupError);
    expect(empty).toMatchObject({ host: 'kv.internal', code: 'ENOTFOUND', message: 'kv.internal does not resolve: no address' });
    // Only the first, address-free decisions were made.
    expect(decided).toEqual([undefined, undefined]);
  });

  it('a resolver error without a code is reported as ENOTFOUND, naming the host', async () => {
    const t = target('kv.internal:50051');
    const err = await decideWithLookup(decide(t), t, async () => {
      throw new Error('no such name');
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TargetLookupError);
    expect(err).toMatchObject({ host: 'kv.internal', code: 'ENOTFOUND' });
  });

  it('without a resolver given, asks the system (getaddrinfo: the hosts file here) and decides on every address it gives', async () => {
    const addresses = await systemLookup('localhost');
    expect(addresses).toContain('127.0.0.1');
    const t = target('localhost:50051');
    expect(await decideWithLookup(decide(t), t)).toMatchObject({
      allowed: true,
      rule: 'dev-local',
      resolved: addresses,
      connectTo: addresses,
    });
  });

  it('a decider that still asks for addresses after the lookup has not decided: refused, with nowhere to connect', async () => {
    const t = target('kv.internal:50051');
    const undecided = () => ({
      allowed: true,
      target: 'kv.internal:50051',
      roles: [],
      reason: 'undecided',
      resolved: [],
      connectTo: ['192.0.2.7'],
      needsAddresses: true,
    });
    expect(await decideWithLookup(undecided, t, async () => ['192.0.2.7'])).toMatchObject({
      allowed: false,
      connectTo: [],
      needsAddresses: true,
    });
  });
});

// TunnelGuard in process: open tunnels are decided again when the CRL or the policy changes, and the
// ones no longer allowed are cut with the reason; real certificates, real CRLs, the real connect rules.
import { X509Certificate } from 'node:crypto';
import { CompiledPolicy } from '../authz/compiled-policy';
import { ConnectTarget, decideConnect, parseConnectTarget } from '../authz/connect-rules';
import { parsePolicy } from '../authz/policy-file';
import { identityFromCertificate } from '../gate/peer-identity';
import { createCa, loadSigningCa, SigningCa } from '../pki/ca';
import { createCrl } from '../pki/crl';
import { issueCertificate } from '../pki/issue';
import { normalizeSerial } from '../pki/serial';
import { GuardedTunnel, TunnelCut, TunnelGuard } from './tunnel-guard';

const compile = (connect: string) =>
  new CompiledPolicy(
    parsePolicy(`roles:\n  dev: [{ cn: bob }]\nrules:\n  - { name: dev-kv, roles: [dev], connect: [${connect}] }\n`, 'test.yaml'),
  );

describe('TunnelGuard', () => {
  let ca: SigningCa;
  let twin: SigningCa;
  let bob: X509Certificate;
  const day = 86_400_000;
  beforeAll(async () => {
    const pair = await createCa({ commonName: 'guard CA' });
    ca = await loadSigningCa(pair.certPem, pair.keyPem);
    const other = await createCa({ commonName: 'other CA' });
    twin = await loadSigningCa(other.certPem, other.keyPem);
    bob = new X509Certificate((await issueCertificate(ca, { profile: 'client', commonName: 'bob' })).certPem);
  });

  const crlOf = (signer: SigningCa, serials: string[], crlNumber = 1) =>
    createCrl(
      signer,
      serials.map((serial) => ({ serial, revokedAt: new Date('2026-11-01T00:00:00Z'), reason: 'keyCompromise' as const })),
      { crlNumber, nextUpdate: new Date(Date.now() + day) },
    );

  /** One open tunnel of bob's to kv.internal:50051, connected to 192.0.2.7; records its cut. */
  function tunnel(address = '192.0.2.7'): GuardedTunnel & { cuts: TunnelCut[] } {
    const cuts: TunnelCut[] = [];
    const target = parseConnectTarget('kv.internal:50051') as ConnectTarget;
    return {
      identity: identityFromCertificate(bob),
      certificate: bob.raw,
      target,
      resolved: ['192.0.2.7', '192.0.2.8'],
      address,
      cut: (c) => cuts.push(c),
      cuts,
    };
  }

  it('a new CRL that lists the certificate cuts its tunnel (revoked), once', async () => {
    const policy = compile('"kv.internal:50051"');
    const guard = new TunnelGuard((id, target, addresses) => decideConnect(policy, id, target, addresses), undefined);
    const t = tunnel();
    guard.track(t);
    expect(guard.size).toBe(1);
    expect(guard.updateCrl(await crlOf(ca, ['abc']))).toBe(0);
    expect(t.cuts).toEqual([]);
    const serial = normalizeSerial(bob.serialNumber);
    expect(guard.updateCrl(await crlOf(ca, [serial], 2))).toBe(1);
    expect(t.cuts).toEqual([
      { reason: 'revoked', details: `certificate serial ${serial} was revoked at 2026-11-01T00:00:00.000Z (keyCompromise)` },
    ]);
    expect(guard.size).toBe(0);
    // Cut tunnels are no longer guarded: nothing is cut twice.
    expect(guard.recheck()).toBe(0);
    expect(t.cuts).toHaveLength(1);
  });

  it('the CRL given at construction is in force from the start', async () => {
    const guard = new TunnelGuard(
      (id, target, addresses) => decideConnect(compile('"kv.internal:50051"'), id, target, addresses),
      await crlOf(ca, [normalizeSerial(bob.serialNumber)]),
    );
    expect(guard.verdict(tunnel())).toMatchObject({ reason: 'revoked' });
  });

  it("the same serial on another CA's CRL does not revoke this certificate", async () => {
    const guard = new TunnelGuard(
      (id, target, addresses) => decideConnect(compile('"kv.internal:50051"'), id, target, addresses),
      undefined,
    );
    const t = tunnel();
    guard.track(t);
    expect(guard.updateCrl(await crlOf(twin, [normalizeSerial(bob.serialNumber)]))).toBe(0);
    expect(guard.revocationOf(t.identity, t.certificate)).toBeUndefined();
    expect(t.cuts).toEqual([]);
  });

  it('after a policy change, a tunnel no longer allowed, or whose address is no longer allowed, is cut (policy_changed)', () => {
    let policy = compile('"kv.internal:50051"');
    let throwing = false;
    const guard = new TunnelGuard((id, target, addresses) => {
      if (throwing) throw new Error('no policy');
      return decideConnect(policy, id, target, addresses);
    }, undefined);
    const kept = tunnel();
    guard.track(kept);
    expect(guard.epoch).toBe(0);
    expect(guard.recheck()).toBe(0); // still allowed: nothing cut
    expect(guard.epoch).toBe(1);
    // The name stays allowed, but the address the tunnel went to is now denied.
    policy = new CompiledPolicy(
      parsePolicy(
        `roles:\n  dev: [{ cn: bob }]\nrules:\n  - { name: no, effect: deny, roles: ["*"], connect: ["192.0.2.7:*"] }\n  - { name: dev-kv, roles: [dev], connect: ["kv.internal:50051"] }\n`,
        'test.yaml',
      ),
    );
    expect(guard.verdict(kept)).toMatchObject({ reason: 'policy_changed' });
    policy = compile('"kv.internal:50051"');
    // A decision that allows the name but not the address connected to: cut, naming the address.
    const elsewhere = tunnel('192.0.2.99');
    guard.track(elsewhere);
    expect(guard.recheck()).toBe(1);
    expect(elsewhere.cuts).toEqual([
      { reason: 'policy_changed', details: '192.0.2.99 is no longer an allowed address of kv.internal:50051' },
    ]);
    expect(kept.cuts).toEqual([]);
    // A policy that no longer allows it at all.
    policy = compile('"other.internal:1"');
    expect(guard.recheck()).toBe(1);
    // The cut says the policy's own reason (who, what, why), as the audit line does.
    const denied = decideConnect(policy, kept.identity, kept.target, kept.resolved);
    expect(denied.allowed).toBe(false);
    expect(kept.cuts).toEqual([{ reason: 'policy_changed', details: denied.reason }]);
    // A decider that fails closes the tunnel too (fail closed).
    const third = tunnel();
    guard.track(third);
    throwing = true;
    expect(guard.recheck()).toBe(1);
    expect(third.cuts).toEqual([{ reason: 'policy_changed', details: 'the proxy could not decide: no policy' }]);
    expect(guard.epoch).toBe(4);
  });

  it('a closed tunnel is no longer guarded; cutAll cuts every open one (shutdown)', () => {
    const guard = new TunnelGuard(
      (id, target, addresses) => decideConnect(compile('"other.internal:1"'), id, target, addresses),
      undefined,
    );
    const closed = tunnel();
    guard.track(closed)();
    const a = tunnel();
    const b = tunnel();
    guard.track(a);
    guard.track(b);
    expect(guard.size).toBe(2);
    guard.cutAll({ reason: 'proxy_shutdown', details: 'bye' });
    expect(a.cuts).toEqual([{ reason: 'proxy_shutdown', details: 'bye' }]);
    expect(b.cuts).toEqual([{ reason: 'proxy_shutdown', details: 'bye' }]);
    expect(closed.cuts).toEqual([]);
    expect(guard.size).toBe(0);
  });
});

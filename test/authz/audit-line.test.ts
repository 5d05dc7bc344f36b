// The audit observer keeps each caller's text and each shared decision's text and reuses them
// (authz/audit-log.ts): the lines it queues must be, byte for byte, what the whole record would
// format to, including whenever something a kept text holds has changed (another peer with the same
// certificate, new roles after a policy reload, another status for the same decision).
import { status as Status } from '@grpc/grpc-js';
import type { ServerInterceptingCallInterface } from '@grpc/grpc-js/build/src/server-interceptors';
import { AuditSink, auditObserver, auditRecord, auditFieldsText } from '../../src/authz/audit-log';
import { DECISION } from '../../src/authz/authorization-stage';
import type { Decision } from '../../src/authz/decision';
import type { CallContext, Rejection } from '../../src/gate/call-context';
import { ContextValues } from '../../src/gate/context-key';
import type { PeerIdentity } from '../../src/gate/peer-identity';

const identity = (cn: string, serial: string): PeerIdentity =>
  Object.freeze({
    commonName: cn,
    sans: [],
    dnsNames: [],
    uris: [],
    ips: [],
    emails: [],
    spiffeId: `spiffe://corp/${cn}`,
    serial,
    fingerprint: `${serial}:FP`,
    issuer: 'CN=ca',
    notAfter: new Date(0),
  });
const decision = (allowed: boolean, rule: string | undefined, roles: readonly string[], generation = 1): Decision =>
  Object.freeze({
    allowed,
    method: '/demo.v1.Echo/Say',
    roles,
    reason: allowed ? 'allowed' : 'role-not-allowed',
    rule: rule ? ({ name: rule } as Decision['rule']) : undefined,
    candidates: [],
    policyName: 'p "quoted"',
    policyGeneration: generation,
  });

function context(caller: CallContext['caller'], made: Decision | undefined, method = '/demo.v1.Echo/Say'): CallContext {
  const values = new ContextValues();
  if (made) values.set(DECISION, made);
  const call = { getPeer: () => '10.0.0.9:1' } as unknown as ServerInterceptingCallInterface;
  return { method, metadata: undefined as never, call, values, caller, trailers: undefined as never, onEnd: () => undefined };
}

it('writes, for every call, exactly the line its whole record formats to, whatever it shares with the calls before', () => {
  const written: string[] = [];
  const sink = { writeFieldsText: (t: string) => written.push(t) } as unknown as AuditSink;
  const observe = auditObserver({ sink: () => sink, mode: () => 'all' });
  const alice = identity('alice', '1a');
  const mallory = identity('mal"lory\n', '2b');
  const readers = Object.freeze(['reader']);
  const admins = Object.freeze(['admin', 'reader']);
  const allowed = decision(true, 'echo', readers);
  const denied = decision(false, undefined, readers);
  const allowedForAdmins = decision(true, 'admin-echo', admins, 2);
  const cases: [CallContext, Rejection | undefined][] = [
    [context({ identity: alice, roles: readers as string[], peer: '127.0.0.1:1000' }, allowed), undefined],
    [context({ identity: alice, roles: readers as string[], peer: '127.0.0.1:1000' }, allowed), undefined], // reused as is
    [context({ identity: alice, roles: readers as string[], peer: '127.0.0.1:2000' }, allowed), undefined], // another connection
    [context({ identity: alice, roles: admins as string[], peer: '127.0.0.1:2000' }, allowedForAdmins), undefined], // roles after a reload
    [context({ identity: alice, roles: readers as string[], peer: '127.0.0.1:2000' }, allowed, '/demo.v1.Echo/Other'), undefined], // another method
    [
      context({ identity: alice, roles: readers as string[], peer: '127.0.0.1:2000' }, allowed),
      { code: Status.UNAVAILABLE, details: 'revoked' },
    ], // a later stage refused
    [context({ identity: alice, roles: readers as string[], peer: '127.0.0.1:2000' }, allowed), undefined],
    [
      context({ identity: mallory, roles: readers as string[], peer: '[::1]:3000' }, denied),
      { code: Status.PERMISSION_DENIED, details: 'no' },
    ],
    [context({ identity: mallory, roles: [], peer: '[::1]:3000' }, denied), { code: Status.PERMISSION_DENIED, details: 'no' }], // roles not frozen
    [
      context({ identity: mallory, roles: [], peer: '[::1]:3000' }, { ...denied, reason: 'header-mismatch' }),
      { code: Status.PERMISSION_DENIED, details: 'no' },
    ], // a per-call decision
    [context(undefined, undefined), { code: Status.UNAUTHENTICATED, details: 'no certificate "x"' }], // before identity
  ];
  for (const [ctx, rejection] of cases) observe(ctx, rejection);
  expect(written).toEqual(cases.map(([ctx, rejection]) => auditFieldsText(auditRecord(ctx, rejection, ctx.values.get(DECISION)))));
  // And what the cases differ in shows in the lines.
  expect(new Set(written).size).toBe(cases.length - 2);
});

// authorization(): which policy is in force (a file, watched or not; a compiled one; none), where
// the audit lines go (a flag relative to the working directory, the policy's setting relative to its
// file, a change on reload), which events are audited, and the operator's log lines.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { status as Status } from '@grpc/grpc-js';
import type { CallContext } from '../gate/call-context';
import { ContextValues } from '../gate/context-key';
import { capturingLogger } from '../../test/helpers/captured-log';
import { tempDir } from '../../test/helpers/temp-dir';
import { authorization, Authorization, NO_POLICY_FIX, NO_POLICY_WARNING } from './authorization';
import { CompiledPolicy } from './compiled-policy';
import { parsePolicy } from './policy-file';

const policyText = (audit: string) =>
  `name: p\nroles: { r: [{ cn: bob }] }\nrules: [{ name: r-all, roles: [r], methods: ["*"] }]\naudit: { ${audit} }\n`;

describe('authorization()', () => {
  const tmp = tempDir();
  const opened: Authorization[] = [];
  const open = (options: Parameters<typeof authorization>[0]) => {
    const a = authorization(options);
    opened.push(a);
    return a;
  };
  /** Closes it now (its audit lines written), not again after the test. */
  const close = (a: Authorization) => {
    opened.splice(opened.indexOf(a), 1);
    a.close();
  };
  const auditLines = (file: string) =>
    existsSync(file)
      ? readFileSync(file, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Record<string, unknown>)
      : [];
  afterEach(() => opened.splice(0).forEach((a) => a.close()));
  afterAll(() => tmp.cleanup());

  it('without a policy: the built-in deny-by-default, and one warning with the fix given or the default one', () => {
    const { logger, lines } = capturingLogger();
    const a = open({ logger, audit: { mode: 'none' } });
    expect(a.policy().model.format).toBe('builtin');
    expect(a.watcher).toBeUndefined();
    open({ logger, noPolicyFix: 'pass --policy FILE', audit: { mode: 'none' } });
    expect(lines.filter((l) => l.event === 'no_policy')).toEqual([
      expect.objectContaining({ msg: NO_POLICY_WARNING, fix: NO_POLICY_FIX }),
      expect.objectContaining({ msg: NO_POLICY_WARNING, fix: 'pass --policy FILE' }),
    ]);
  });

  it('a compiled policy is used as given, without a watcher or a warning; the load is logged with its counts and audit destination', () => {
    const { logger, lines } = capturingLogger();
    const policy = new CompiledPolicy(parsePolicy(policyText('log: none'), 'given.yaml'));
    const a = open({ policy, logger, policyFile: join(tmp.dir, 'ignored.yaml') });
    expect(a.policy()).toBe(policy);
    expect(a.watcher).toBeUndefined();
    expect(lines.filter((l) => l.event === 'no_policy')).toEqual([]);
    expect(lines).toContainEqual(
      expect.objectContaining({ policy: 'p', roles: 1, rules: 1, audit: 'stderr', msg: 'authorization policy loaded' }),
    );
  });

  it('watch: false reads the file once; the audit destination in the policy is relative to the policy file', () => {
    const dir = join(tmp.dir, 'once');
    const file = join(dir, 'policy.yaml');
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, policyText('log: all, destination: audit/a.log'));
    const a = open({ policyFile: file, watch: false });
    expect(a.watcher).toBeUndefined();
    expect(a.policy().name).toBe('p');
    a.auditEvent({ event: 'cert_issued', serial: '01' }, 'issued', true);
    close(a);
    expect(auditLines(join(dir, 'audit', 'a.log'))).toEqual([
      expect.objectContaining({ level: 30, name: 'certrpc-audit', event: 'cert_issued', serial: '01', msg: 'issued' }),
    ]);
  });

  it('events are audited by the mode: the option over the policy, the policy over "all"', () => {
    const file = join(tmp.dir, 'modes.log');
    const policy = (log: string) => new CompiledPolicy(parsePolicy(policyText(log), 'm.yaml'));
    const events = (a: Authorization) => {
      a.auditEvent({ n: 'yes' }, 'allowed event', true);
      a.auditEvent({ n: 'no' }, 'refused event', false);
      close(a);
    };
    events(open({ policy: policy('log: on_deny'), audit: { destination: file } }));
    events(open({ policy: policy('log: on_deny'), audit: { destination: file, mode: 'on_allow' } }));
    events(open({ policy: policy('destination: stderr'), audit: { destination: file } }));
    events(open({ policy: policy('log: none'), audit: { destination: file } }));
    expect(auditLines(file).map((l) => l.n)).toEqual(['no', 'yes', 'yes', 'no']);
  });

  it('call decisions are audited by the mode too: the option over the policy', () => {
    const file = join(tmp.dir, 'calls.log');
    const a = open({
      policy: new CompiledPolicy(parsePolicy(policyText('log: all'), 'c.yaml')),
      audit: { destination: file, mode: 'on_deny' },
    });
    const call = (method: string) =>
      ({ method, call: { getPeer: () => '10.0.0.9:1' }, values: new ContextValues(), caller: undefined }) as unknown as CallContext;
    a.observers[0](call('/a.S/Allowed'), undefined);
    a.observers[0](call('/a.S/Denied'), { code: Status.PERMISSION_DENIED, details: 'no' });
    close(a);
    expect(auditLines(file)).toEqual([expect.objectContaining({ method: '/a.S/Denied', decision: 'deny', peer: '10.0.0.9:1', code: 7 })]);
  });

  it('an audit destination given as an option is relative to the working directory, and wins over the policy', () => {
    const cwd = process.cwd();
    process.chdir(tmp.dir);
    try {
      const policy = new CompiledPolicy(parsePolicy(policyText('destination: /nonexistent/never.log'), join(tmp.dir, 'x', 'p.yaml')));
      const { logger, lines } = capturingLogger();
      const a = open({ policy, logger, audit: { destination: 'relative.log' } });
      expect(lines).toContainEqual(
        expect.objectContaining({ audit: join(process.cwd(), 'relative.log'), msg: 'authorization policy loaded' }),
      );
      a.auditEvent({ n: 1 }, 'event', true);
      close(a);
    } finally {
      process.chdir(cwd);
    }
    expect(auditLines(join(tmp.dir, 'relative.log'))).toEqual([expect.objectContaining({ n: 1 })]);
  });

  it('a reload that moves the audit destination writes to the new file from then on', async () => {
    const dir = join(tmp.dir, 'moving');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, policyText('destination: first.log'));
    const a = open({ policyFile: file, reloadIntervalMs: 50 });
    a.auditEvent({ n: 1 }, 'event', true);
    const reloaded = a.watcher!.nextReload();
    writeFileSync(file, policyText('destination: second.log'));
    expect((await reloaded).ok).toBe(true);
    a.auditEvent({ n: 2 }, 'event', true);
    const same = a.watcher!.nextReload();
    writeFileSync(file, `${policyText('destination: second.log')}# an edit that keeps the destination\n`);
    expect((await same).ok).toBe(true);
    a.auditEvent({ n: 3 }, 'event', true);
    close(a);
    expect(await a.watcher!.reload()).toMatchObject({ ok: false, error: 'closed' }); // close() stopped watching
    expect(auditLines(join(dir, 'first.log')).map((l) => l.n)).toEqual([1]);
    expect(auditLines(join(dir, 'second.log')).map((l) => l.n)).toEqual([2, 3]);
  });

  it('issuer-binding warnings: once for the same CAs and policy, again when the trusted CAs change what there is to say', () => {
    const { logger, lines } = capturingLogger();
    const A = { subject: 'CN=A CA', fingerprint: `AA:${'00:'.repeat(30)}01` };
    const B = { subject: 'CN=B CA', fingerprint: `BB:${'00:'.repeat(30)}02` };
    const a = open({ policy: new CompiledPolicy(parsePolicy(policyText('log: none'), 'w.yaml')), logger });
    const warnings = () => lines.filter((l) => l.event === 'policy_issuer_binding');
    a.trustedClientCas([A]);
    expect(warnings()).toEqual([]);
    a.trustedClientCas([A, B]);
    a.trustedClientCas([A, B]);
    expect(warnings()).toEqual([expect.objectContaining({ policy: 'p', fix: expect.any(String), msg: expect.stringContaining('w.yaml') })]);
    a.trustedClientCas([A]);
    a.trustedClientCas([A, B]);
    expect(warnings()).toHaveLength(2);
  });
});

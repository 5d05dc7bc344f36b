// The call gate's contract over a real server and client: stages that wait for I/O (the call is
// held, its messages kept, until they settle), stages that fail (the call ends INTERNAL, never
// open), trailers a stage adds (sent with whatever status ends the call), and typed context
// values a stage leaves for handlers and observers.
import { Metadata, ServiceError, status as Status, StatusObject, UntypedServiceImplementation } from '@grpc/grpc-js';
import pino from 'pino';
import { allowAllAuthenticated } from '../../src/authz/compiled-policy';
import { createClient } from '../../src/client/create-client';
import { echoService } from '../../src/demo/echo-service';
import type { CallContext, CallEnd, CallStage } from '../../src/gate/call-context';
import { callerOf, contextOf } from '../../src/gate/caller';
import { createContextKey } from '../../src/gate/context-key';
import { EchoClient, SayRequest } from '../../src/gen/demo/v1/echo';
import { CertrpcServer, createServer } from '../../src/server/create-server';
import { PkiDir } from '../../src/store/pki-dir';
import { clientTls, demoPki } from '../helpers/pki';
import { eventually } from '../helpers/eventually';
import { tempDir } from '../helpers/temp-dir';

const TENANT = createContextKey<string | undefined>(undefined, { description: 'tenant' });

/** A promise with its resolve exposed: the test decides when an "external check" answers. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('the call gate: async stages, failures, trailers, context values', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  let server: CertrpcServer;
  let address: string;
  const handlerRan: string[] = [];
  const ends: { method: string; code: number; tenant?: string }[] = [];
  const observed: (string | undefined)[] = [];
  // Per test: what the "external check" stage does for the next call.
  let check: (ctx: CallContext) => ReturnType<CallStage> = () => undefined;
  let checkEntered = deferred<void>();
  /** Which of the three stages ran, in order, since the test began. */
  const stageRuns: string[] = [];
  /** What the server logged (error level and up). */
  const logged: Record<string, unknown>[] = [];

  beforeAll(async () => {
    pki = await demoPki(tmp.dir);
    const echo = echoService();
    const implementation: UntypedServiceImplementation = {
      ...echo.implementation,
      say: ((call: { request: SayRequest; metadata: Metadata }, callback: (e: null, r: { message: string; index: number }) => void) => {
        handlerRan.push('say');
        callback(null, { message: `${callerOf(call).identity.commonName}@${contextOf(call).values.get(TENANT) ?? 'none'}`, index: 0 });
      }) as UntypedServiceImplementation[string],
      collect: ((call: NodeJS.EventEmitter, callback: (e: null, r: { message: string; index: number }) => void) => {
        handlerRan.push('collect');
        const parts: string[] = [];
        call.on('data', (m: SayRequest) => parts.push(m.message));
        call.on('end', () => callback(null, { message: parts.join(' '), index: parts.length }));
      }) as UntypedServiceImplementation[string],
    };
    const id = pki.loadIdentity('server');
    server = createServer({
      tls: { certPem: id.certPem, keyPem: id.keyPem, clientCaPem: id.caPem },
      services: [{ definition: echo.definition, implementation }],
      stages: [
        (ctx) => {
          stageRuns.push('tenant');
          // The caller is known to every stage (AuthenticatedContext): no optional chaining needed.
          ctx.values.set(TENANT, ctx.metadata.get('x-tenant')[0]?.toString());
          ctx.trailers.set('x-checked-by', `tenant-stage:${ctx.caller.identity.commonName}`);
        },
        (ctx) => {
          stageRuns.push('check');
          checkEntered.resolve();
          return check(ctx);
        },
        // A stage after the one that may wait: it refuses the tenant "refused-later".
        (ctx) => {
          stageRuns.push('after');
          return ctx.values.get(TENANT) === 'refused-later'
            ? { code: Status.PERMISSION_DENIED, details: 'refused by the stage after the check' }
            : undefined;
        },
      ],
      logger: pino({ level: 'error' }, { write: (line: string) => void logged.push(JSON.parse(line) as Record<string, unknown>) }),
      observers: [(ctx) => observed.push(ctx.values.get(TENANT))],
      policy: allowAllAuthenticated(),
      // Told how every call ended, by whatever ended it.
      endObservers: [(ctx: CallContext, end: CallEnd) => ends.push({ method: ctx.method, code: end.code, tenant: ctx.values.get(TENANT) })],
    });
    address = `127.0.0.1:${(await server.listen()).port}`;
  });
  afterAll(async () => {
    await server.shutdown(1000);
    tmp.cleanup();
  });
  beforeEach(() => {
    handlerRan.length = 0;
    observed.length = 0;
    check = () => undefined;
    checkEntered = deferred<void>();
    stageRuns.length = 0;
    logged.length = 0;
  });

  function client(name = 'alice') {
    return createClient(EchoClient, address, { tls: clientTls(pki, name) });
  }

  /** A unary Say with the x-tenant header: its outcome and the trailers that came with its status. */
  function say(tenant: string, options: { deadlineMs?: number } = {}) {
    const c = client();
    const metadata = new Metadata();
    metadata.set('x-tenant', tenant);
    return new Promise<{ err: ServiceError | null; message?: string; trailers: Metadata }>((resolve) => {
      let result: { err: ServiceError | null; message?: string } | undefined;
      let trailers: Metadata | undefined;
      const done = () => {
        if (result && trailers) {
          c.close();
          resolve({ ...result, trailers });
        }
      };
      const call = c.say(
        { message: 'hi' },
        metadata,
        options.deadlineMs ? { deadline: Date.now() + options.deadlineMs } : {},
        (err, res) => {
          result = { err, message: res?.message };
          done();
        },
      );
      call.on('status', (s: StatusObject) => {
        trailers = s.metadata;
        done();
      });
    });
  }

  it('a stage returning a promise holds the call until it settles, then the handler runs with the values stages set', async () => {
    const answer = deferred<undefined>();
    check = () => answer.promise;
    const pending = say('acme');
    await checkEntered.promise;
    // The external check has not answered: the handler must not have run.
    expect(handlerRan).toEqual([]);
    answer.resolve(undefined);
    const r = await pending;
    expect(r.err).toBeNull();
    expect(r.message).toBe('alice@acme');
    expect(handlerRan).toEqual(['say']);
    expect(observed).toEqual(['acme']);
    expect(r.trailers.get('x-checked-by')).toEqual(['tenant-stage:alice']);
  });

  it('messages a client streams while a stage waits reach the handler once it allows the call', async () => {
    const answer = deferred<undefined>();
    check = () => answer.promise;
    const c = client();
    const done = new Promise<{ err: ServiceError | null; message?: string }>((resolve) => {
      const stream = c.collect((err, res) => resolve({ err, message: res?.message }));
      stream.write({ message: 'a' });
      stream.write({ message: 'b' });
      stream.end();
    });
    await checkEntered.promise;
    expect(handlerRan).toEqual([]);
    answer.resolve(undefined);
    const r = await done;
    c.close();
    expect(r.err).toBeNull();
    expect(r.message).toBe('a b');
  });

  it('a stage that awaits and then denies ends the call with its status and the trailers; the handler never runs', async () => {
    check = async (ctx) => {
      await new Promise((resolve) => setImmediate(resolve));
      if (ctx.values.get(TENANT) !== 'acme')
        return { code: Status.PERMISSION_DENIED, details: `tenant ${ctx.values.get(TENANT)} is not served here` };
    };
    const r = await say('globex');
    expect(r.err?.code).toBe(Status.PERMISSION_DENIED);
    expect(r.err?.details).toBe('tenant globex is not served here');
    expect(r.trailers.get('x-checked-by')).toEqual(['tenant-stage:alice']);
    expect(handlerRan).toEqual([]);
    expect(observed).toEqual(['globex']);
  });

  it('a stage that throws, or whose promise rejects, ends the call INTERNAL (fail closed), never lets it through', async () => {
    check = () => {
      throw new Error('check service unreachable');
    };
    const thrown = await say('acme');
    expect(thrown.err?.code).toBe(Status.INTERNAL);
    expect(thrown.err?.details).toMatch(/could not decide on this call/);
    check = () => Promise.reject(new Error('check service timed out'));
    const rejected = await say('acme');
    expect(rejected.err?.code).toBe(Status.INTERNAL);
    expect(handlerRan).toEqual([]);
    // The server log says which call and why, for both (the client only hears INTERNAL).
    expect(logged.map((l) => [l.method, (l.err as { message?: string } | undefined)?.message])).toEqual([
      ['/demo.v1.Echo/Say', 'check service unreachable'],
      ['/demo.v1.Echo/Say', 'check service timed out'],
    ]);
    // The stages after a failed one never ran.
    expect(stageRuns).toEqual(['tenant', 'check', 'tenant', 'check']);
  });

  it('after a stage that waited, the stages after it still run, each once, and may still refuse the call', async () => {
    check = () => Promise.resolve(undefined);
    const allowed = await say('acme');
    expect(allowed.err).toBeNull();
    expect(stageRuns).toEqual(['tenant', 'check', 'after']);
    stageRuns.length = 0;
    const refused = await say('refused-later');
    expect(refused.err?.code).toBe(Status.PERMISSION_DENIED);
    expect(refused.err?.details).toBe('refused by the stage after the check');
    expect(stageRuns).toEqual(['tenant', 'check', 'after']);
    expect(handlerRan).toEqual(['say']);
  });

  it('a call whose deadline passes while a stage waits ends DEADLINE_EXCEEDED, and a late allow does not start the handler', async () => {
    const answer = deferred<undefined>();
    check = () => answer.promise;
    const endsBefore = ends.length;
    const r = await say('acme', { deadlineMs: 300 });
    expect(r.err?.code).toBe(Status.DEADLINE_EXCEEDED);
    // The server ends the call at its own deadline (grpc-timeout), or sees the client's cancel when
    // that arrives first (both clocks start together; on a loaded machine either may win). Either way
    // its end observers are told exactly once, and the stage's late allow changes nothing.
    const ended = () => ends.slice(endsBefore);
    await eventually(() => ended().length > 0, 'the server to end the call');
    answer.resolve(undefined);
    await new Promise((resolve) => setImmediate(resolve));
    expect(ended()).toHaveLength(1);
    expect(ended()[0]).toMatchObject({ method: '/demo.v1.Echo/Say', tenant: 'acme' });
    expect([Status.DEADLINE_EXCEEDED, Status.CANCELLED]).toContain(ended()[0].code);
    expect(handlerRan).toEqual([]);
    // Nor does it run the stages after the waiting one, or tell the observers of a decision: the call
    // ended undecided (an observer that tracks calls, as the revocation enforcer does, would keep it forever).
    expect(stageRuns).toEqual(['tenant', 'check']);
    expect(observed).toEqual([]);
  });
});

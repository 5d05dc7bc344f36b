import { Metadata } from '@grpc/grpc-js';
import { CertrpcError } from '../errors/certrpc-error';
import { CallContext, linkContext } from './call-context';
import { callerOf, contextOf } from './caller';
import { ContextValues } from './context-key';

describe('callerOf / contextOf', () => {
  it('say, on a call no certrpc gate admitted, to put createInterceptor() in the server', () => {
    const call = { metadata: new Metadata() };
    expect(() => callerOf(call)).toThrow(CertrpcError);
    expect(() => callerOf(call)).toThrow("callerOf(): no caller on this call: was createInterceptor() in this server's interceptors?");
    expect(() => contextOf(call)).toThrow(/was createInterceptor\(\) in this server's interceptors\?/);
    // Both name the fix: where createInterceptor() goes (a handler author reads this once, at first call).
    for (const find of [callerOf, contextOf]) {
      let err: unknown;
      try {
        find(call);
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({
        code: 'NO_CALL_CONTEXT',
        fix: expect.stringMatching(/^put createInterceptor\(\) first in the Server's interceptors .*or serve with createServer\(\)/),
      });
    }
  });

  it('find the caller the gate linked to the request Metadata; a header of the same name is not it', () => {
    const metadata = new Metadata();
    metadata.set('certrpc.callcontext', 'forged');
    const forged = { metadata };
    expect(() => callerOf(forged)).toThrow(CertrpcError);
    const caller = { identity: { commonName: 'alice' }, roles: ['admin'], peer: '127.0.0.1:1' } as unknown as CallContext['caller'];
    const ctx = { method: '/x.Y/Z', metadata, values: new ContextValues(), caller } as unknown as CallContext;
    linkContext(metadata, ctx);
    expect(callerOf({ metadata })).toBe(caller);
    expect(contextOf({ metadata })).toBe(ctx);
  });
});

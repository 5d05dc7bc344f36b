// The ping policy on a stand-in session: the decision logic only (hostile-connections.test.ts runs it for real).
import { EventEmitter } from 'node:events';
import type { ServerHttp2Session } from 'node:http2';
import { enforcePingPolicy } from './ping-policy';

function fakeSession() {
  const session = new EventEmitter() as EventEmitter & { goaways: number[]; closed: boolean; destroyed: boolean; socket: object };
  Object.assign(session, { goaways: [], closed: false, destroyed: false, socket: { remoteAddress: '10.0.0.9', remotePort: 4000 } });
  Object.assign(session, {
    goaway: (code: number) => session.goaways.push(code),
    close: () => (session.closed = true),
    destroy: () => (session.destroyed = true),
  });
  return session;
}

describe('ping policy', () => {
  let now = 0;
  const clock = () => now;

  it('allows pings at the minimum interval, and closes after more strikes than allowed', () => {
    const session = fakeSession();
    const violations: string[] = [];
    enforcePingPolicy(
      session as unknown as ServerHttp2Session,
      { minIntervalMs: 1000, maxStrikes: 2 },
      (peer) => violations.push(peer),
      clock,
    );
    for (now = 0; now <= 5000; now += 1000) session.emit('ping');
    expect(violations).toEqual([]);
    now = 5000; // the last ping's time: the next ones come too soon
    session.emit('ping'); // strike 1
    session.emit('ping'); // strike 2
    expect(session.closed).toBe(false);
    session.emit('ping'); // strike 3: over
    expect(violations).toEqual(['10.0.0.9:4000']);
    expect(session.goaways).toEqual([11]); // ENHANCE_YOUR_CALM
    expect(session.closed).toBe(true);
    session.emit('ping');
    expect(violations).toHaveLength(1);
  });

  it('forgives strikes when the client starts a call', () => {
    const session = fakeSession();
    const violations: string[] = [];
    enforcePingPolicy(
      session as unknown as ServerHttp2Session,
      { minIntervalMs: 1000, maxStrikes: 1 },
      (peer) => violations.push(peer),
      clock,
    );
    now = 100_000;
    session.emit('ping');
    session.emit('ping'); // strike 1
    session.emit('stream');
    session.emit('ping');
    session.emit('ping'); // strike 1 again, not 2
    expect(violations).toEqual([]);
  });
});

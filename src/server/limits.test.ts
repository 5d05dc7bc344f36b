import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SERVER_LIMITS, grpcOptionsOf, LIMIT_NAMES, limitsTable, resolveLimits } from './limits';

describe('server limits', () => {
  it('docs/LIMITS.md holds exactly the table generated from LIMITS', () => {
    const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'LIMITS.md'), 'utf8');
    const m = /<!-- BEGIN LIMITS TABLE[^>]*-->\n([\s\S]*?)\n<!-- END LIMITS TABLE -->/.exec(doc);
    expect(m).not.toBeNull();
    // On failure, paste limitsTable() (printed by this diff) between the markers.
    expect(m![1]).toBe(limitsTable());
  });

  it('overrides replace only the limits given', () => {
    const limits = resolveLimits({ maxConnections: 5, handshakeTimeoutMs: undefined });
    expect(limits.maxConnections).toBe(5);
    expect(limits.handshakeTimeoutMs).toBe(DEFAULT_SERVER_LIMITS.handshakeTimeoutMs);
    expect(Object.keys(limits).sort()).toEqual([...LIMIT_NAMES].sort());
  });

  it('sets the grpc-js options by their grpc-js names', () => {
    const options = grpcOptionsOf(resolveLimits({ maxReceiveMessageBytes: 1234, idleConnectionTimeoutMs: 99 }));
    expect(options['grpc.max_receive_message_length']).toBe(1234);
    expect(options['grpc.max_connection_idle_ms']).toBe(99);
    expect(options['grpc.max_concurrent_streams']).toBe(DEFAULT_SERVER_LIMITS.maxConcurrentStreams);
  });
});

import { QuantityError } from '../text/quantities';
import { parseLimitAssignment } from './limit-values';

describe('limit values', () => {
  it('reads --limit NAME=VALUE in the unit of the limit, and names the limits on a typo', () => {
    expect(parseLimitAssignment('handshakeTimeoutMs=1s')).toEqual({ name: 'handshakeTimeoutMs', value: 1000 });
    expect(parseLimitAssignment('maxReceiveMessageBytes=64KiB')).toEqual({ name: 'maxReceiveMessageBytes', value: 65536 });
    expect(parseLimitAssignment('maxConnections=20')).toEqual({ name: 'maxConnections', value: 20 });
    expect(() => parseLimitAssignment('maxConnections=2.5')).toThrow(/whole number/);
    expect(() => parseLimitAssignment('maxConnections=0')).toThrow(/more than 0/);
    const err = (() => {
      try {
        parseLimitAssignment('maxConnection=20');
      } catch (e) {
        return e as QuantityError;
      }
    })();
    expect(err?.message).toBe('unknown limit "maxConnection"');
    expect(err?.fix).toMatch(/maxConnections/);
    expect(() => parseLimitAssignment('maxConnections')).toThrow(/NAME=VALUE/);
  });
});

import { parseMetricsAddress } from './metrics-address';

describe('--metrics address', () => {
  it('binds loopback unless a host is written out', () => {
    expect(parseMetricsAddress('9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(parseMetricsAddress(':0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseMetricsAddress('0.0.0.0:9464')).toEqual({ host: '0.0.0.0', port: 9464 });
    expect(parseMetricsAddress('[::1]:9464')).toEqual({ host: '::1', port: 9464 });
  });

  it('refuses what is not a port or HOST:PORT', () => {
    expect(() => parseMetricsAddress('99999')).toThrow(/bad address/);
    expect(() => parseMetricsAddress('metrics.local')).toThrow(/bad address/);
  });
});

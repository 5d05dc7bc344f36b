import { canonicalAddress, canonicalHost, isUnspecified, parseConnectTarget } from './connect-target';

describe('canonical connect targets', () => {
  it('one spelling per IPv6 address; an IPv4-mapped address is the IPv4 address', () => {
    expect(canonicalAddress('0:0:0:0:0:0:0:1')).toEqual({ kind: 'ip', host: '::1', family: 6 });
    expect(canonicalAddress('2001:DB8:0:0:1:0:0:1')).toEqual({ kind: 'ip', host: '2001:db8::1:0:0:1', family: 6 });
    expect(canonicalAddress('::FFFF:7f00:1')).toEqual({ kind: 'ip', host: '127.0.0.1', family: 4 });
    expect(canonicalAddress('0:0:0:0:0:ffff:127.0.0.1')).toEqual({ kind: 'ip', host: '127.0.0.1', family: 4 });
    expect(canonicalAddress('::127.0.0.1')).toHaveProperty('problem', expect.stringContaining('IPv4-compatible'));
    expect(canonicalAddress('fe80::1%eth0')).toHaveProperty('problem', expect.stringContaining('zone id'));
    expect(canonicalAddress('127.1')).toHaveProperty('problem');
  });

  it('refuses every host whose last label is a number unless it is a dotted quad, and says what it would mean', () => {
    for (const legacy of ['2130706433', '127.1', '0x7f000001', '0177.0.0.1', '127.000.000.001', '0', '1.2.3.4.5', 'host.0x1f', 'a.123']) {
      expect({ legacy, result: canonicalHost(legacy, false) }).toEqual({
        legacy,
        result: { problem: expect.stringContaining('is not a canonical IPv4 address') },
      });
    }
    expect(canonicalHost('0177.0.0.1', false)).toEqual({
      problem:
        '"0177.0.0.1" is not a canonical IPv4 address (it would mean 127.0.0.1): write the address as four decimal numbers, e.g. 127.0.0.1',
    });
    expect(canonicalHost('127.0.0.1.', false)).toEqual({ kind: 'ip', host: '127.0.0.1', family: 4 });
    expect(canonicalHost('0x7f.example', false)).toEqual({ kind: 'name', host: '0x7f.example' });
  });

  it('names: lower case, one trailing dot dropped, LDH labels of 1-63, at most 253 characters', () => {
    expect(canonicalHost('LocalHost.', false)).toEqual({ kind: 'name', host: 'localhost' });
    for (const bad of [
      'localhost..',
      '.x',
      'a_b.example',
      '-a.example',
      'a-.example',
      `${'a'.repeat(64)}.example`,
      `${'a.'.repeat(127)}example`,
      'exämple.com',
    ]) {
      expect({ bad, result: canonicalHost(bad, false) }).toEqual({ bad, result: { problem: expect.any(String) } });
    }
  });

  it('the unspecified address is 0.0.0.0/8 and ::', () => {
    expect(['0.0.0.0', '0.1.2.3', '::'].every(isUnspecified)).toBe(true);
    expect(['10.0.0.0', '::1', '100.0.0.0'].some(isUnspecified)).toBe(false);
    expect(parseConnectTarget('[::ffff:0.0.0.0]:80')).toHaveProperty('problem', expect.stringContaining('unspecified address'));
  });
});

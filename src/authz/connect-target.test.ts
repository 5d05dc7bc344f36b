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

describe('parseConnectTarget: the request-target an attacker writes', () => {
  const longest = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`; // 253 characters
  const refused = (text: string) => {
    const result = parseConnectTarget(text);
    if (!('problem' in result)) throw new Error(`${JSON.stringify(text)} was accepted as ${JSON.stringify(result)}`);
    return result.problem;
  };

  it('accepts the longest name, with its trailing dot and the highest port; refuses anything longer, first, for its length', () => {
    expect(longest).toHaveLength(253);
    expect(parseConnectTarget(`${longest}.:65535`)).toEqual({ host: longest, port: 65535, kind: 'name' });
    expect(parseConnectTarget(`${longest}:65535`)).toEqual({ host: longest, port: 65535, kind: 'name' });
    expect(refused(`${longest}x.:65535`)).toMatch(/longer than 260 characters/);
    expect(refused(`${'a'.repeat(254)}:1`)).toMatch(/is not a host name/);
    expect(refused(`${'[::1]'.padEnd(5000, ' ')}:1`)).toMatch(/longer than/);
    expect(refused('')).toMatch(/empty/);
  });

  it('refuses spaces, control and non-ASCII characters before lower-casing could fold them (the Kelvin sign K is k)', () => {
    for (const text of ['\u212Av.internal:1', 'kv.\u212A8s:1', 'a b:1', 'a\tb:1', 'kv.internal:1\r\n', '\u0000kv.internal:1']) {
      expect({ text, problem: refused(text) }).toEqual({ text, problem: expect.stringMatching(/non-ASCII/) });
    }
  });

  it('refuses user information and percent signs for what they are, wherever they appear', () => {
    for (const text of ['user@10.0.0.1:80', 'u@x:1', '[u@::1]:1', 'x:1@2']) expect(refused(text)).toMatch(/user information/);
    for (const text of ['x%2e:1', '[::1%25eth0]:1', '[fe80::1%eth0]:1', 'x:%31']) expect(refused(text)).toMatch(/percent|zone/);
  });

  it('takes the whole text as HOST:PORT, naming what it refused: no prefix or suffix is ignored', () => {
    for (const text of ['evil:good.example:443', 'x:1:2', '[::1]:1:2', 'a:[::1]:1', '[::1]x:1', 'x]:1']) {
      expect({ text, problem: refused(text) }).toEqual({ text, problem: expect.stringContaining(`"${text}"`) });
    }
    expect(refused(':80')).toMatch(/host is empty/);
  });

  it('ports: decimal 1-65535 only, the port named in the refusal', () => {
    expect(parseConnectTarget('x:65535')).toMatchObject({ port: 65535 });
    expect(parseConnectTarget('x:1')).toMatchObject({ port: 1 });
    for (const port of ['65536', '99999', '0', '080', '+80', '1e3', '8.0', '0x50', '', '123456', '1_0']) {
      expect({ port, problem: refused(`x:${port}`) }).toEqual({ port, problem: expect.stringContaining(`"${port}"`) });
    }
  });

  it('a label is numeric only when the whole label is a number (the WHATWG rule): host.a1, host.1a and x.0xg are names', () => {
    for (const name of ['host.a1', 'host.1a', 'x.0xg', 'x.1x']) {
      expect(parseConnectTarget(`${name}:1`)).toEqual({ host: name, port: 1, kind: 'name' });
    }
    expect(refused('host.0x:1')).toMatch(/not a canonical IPv4 address/);
  });

  it('says what a legacy spelling would mean only when it means an address', () => {
    expect(refused('0x7f.1:80')).toMatch(/would mean 127\.0\.0\.1/);
    // Without a meaning, the same sentence without the parenthesis.
    const shape = (problem: string, host: string) => problem.replace(`"${host}"`, 'HOST').replace(/ \(it would mean [^)]*\)/, '');
    const withMeaning = shape(refused('0x7f.1:80'), '0x7f.1');
    for (const host of ['1.2.3.4.5', 'a.123', '4294967296']) {
      expect(refused(`${host}:80`)).not.toMatch(/would mean/);
      expect(shape(refused(`${host}:80`), host)).toBe(withMeaning);
    }
  });

  it('IPv4-mapped IPv6 is the IPv4 address, IPv4-compatible is refused, whatever the digits', () => {
    expect(parseConnectTarget('[::ffff:10.20.30.40]:1')).toEqual({ host: '10.20.30.40', port: 1, kind: 'ip' });
    expect(parseConnectTarget('[::ffff:a14:1e28]:1')).toEqual({ host: '10.20.30.40', port: 1, kind: 'ip' });
    expect(parseConnectTarget('[::FFFF:192.168.100.200]:1')).toEqual({ host: '192.168.100.200', port: 1, kind: 'ip' });
    for (const text of ['[::10.20.30.40]:1', '[::a14:1e28]:1', '[::192.168.100.200]:1']) expect(refused(text)).toMatch(/IPv4-compatible/);
    expect(parseConnectTarget('[::ffff:0:a14:1e28]:1')).toEqual({ host: '::ffff:0:a14:1e28', port: 1, kind: 'ip' });
    expect(canonicalAddress('not-an-address')).toEqual({ problem: expect.stringContaining('not-an-address') });
  });
});

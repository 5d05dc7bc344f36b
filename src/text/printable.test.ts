import { printable, printableJson } from './printable';

describe('printable', () => {
  it('escapes controls, C1 and bidi overrides; keeps every script', () => {
    expect(printable('red \x1b[31malert\x1b[0m\r\nnext\tcol\x00\x7f\x85')).toBe(
      'red \\x1b[31malert\\x1b[0m\\r\\nnext\\tcol\\x00\\x7f\\x85',
    );
    expect(printable('abc\u202edef\u2066')).toBe('abc\\u202edef\\u2066');
    expect(printable('CN=bob (roles: reader) é ü 日本 😀')).toBe('CN=bob (roles: reader) é ü 日本 😀');
  });
});

describe('printableJson', () => {
  it('escapes what JSON.stringify leaves raw, and the value stays the same', () => {
    const value = { m: 'a\u202eb\u007fc\u0085d é' };
    const json = printableJson(JSON.stringify(value));
    expect(json).toBe('{"m":"a\\u202eb\\u007fc\\u0085d é"}');
    expect(JSON.parse(json)).toEqual(value);
  });
});

import { classify, printableBytes } from './protocol-sniff';

const settings = (length = 0) => Buffer.from([0, 0, length, 4, 0, 0, 0, 0, 0, ...Buffer.alloc(length)]);

describe('what a port answered to an HTTP/2 preface', () => {
  it('tells plaintext HTTP/2, HTTP/1, TLS and anything else apart', () => {
    expect(classify(settings(), true)).toEqual({ kind: 'plaintext-http2' });
    expect(classify(Buffer.concat([settings(6), Buffer.from([0, 0, 0, 4, 1, 0, 0, 0, 0])]), false)).toEqual({ kind: 'plaintext-http2' });
    expect(classify(Buffer.from('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n'), false)).toEqual({
      kind: 'http1',
      statusLine: 'HTTP/1.1 400 Bad Request',
    });
    expect(classify(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46]), false)).toEqual({ kind: 'tls' });
    expect(classify(Buffer.from('SSH-2.0-OpenSSH_9.2\r\n'), false)).toEqual({ kind: 'other', firstBytes: 'SSH-2.0-OpenSSH_9.2\\r\\n' });
    expect(classify(Buffer.alloc(0), true)).toEqual({ kind: 'nothing' });
  });

  it('waits for more bytes while they could still change the answer, and decides at the end', () => {
    expect(classify(Buffer.alloc(0), false)).toBeUndefined();
    expect(classify(Buffer.from('HTT'), false)).toBeUndefined();
    expect(classify(Buffer.from('HTTP/1.1 200'), false)).toBeUndefined();
    expect(classify(Buffer.from('HTTP/1.1 200'), true)).toEqual({ kind: 'http1', statusLine: 'HTTP/1.1 200' });
    expect(classify(Buffer.from([0, 0, 0, 4]), false)).toBeUndefined();
    expect(classify(Buffer.from([0, 0, 0, 4]), true)).toEqual({ kind: 'other', firstBytes: '\\x00\\x00\\x00\\x04' });
    expect(classify(Buffer.from([0x16]), false)).toBeUndefined();
  });

  it("quotes the peer's bytes safely: escapes, no control characters, cut short", () => {
    expect(printableBytes(Buffer.from('a"b\\c\x1b[31m\x00é'))).toBe('a\\"b\\\\c\\x1b[31m\\x00\\xc3\\xa9');
    expect(printableBytes(Buffer.from('x'.repeat(50)), 40)).toBe(`${'x'.repeat(40)}...`);
  });
});

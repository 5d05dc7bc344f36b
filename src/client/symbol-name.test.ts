import { displayName, parseSymbolName } from './symbol-name';

describe('symbol names as grpcurl takes them', () => {
  it.each([
    ['demo.v1.KeyValue/Get', 'demo.v1.KeyValue.Get', true],
    ['/demo.v1.KeyValue/Get', 'demo.v1.KeyValue.Get', true],
    ['demo.v1.KeyValue.Get', 'demo.v1.KeyValue.Get', false],
    ['.demo.v1.KeyValue.Get', 'demo.v1.KeyValue.Get', false],
    ['.demo.v1.PutRequest', 'demo.v1.PutRequest', false],
    ['Svc/M', 'Svc.M', true],
    ['_a.b_2', '_a.b_2', false],
  ])('%s is %s', (text, canonical, slashed) => {
    expect(parseSymbolName(text)).toEqual({ canonical, slashed });
  });

  it.each(['', '/', 'a//b', 'a/b/c', '/a.b.c', '/a', 'a.', '.', 'a..b', 'a b', '1a.b', 'a/b.c', 'a.b/', 'a.b\n', 'ä.b'])(
    'refuses %j',
    (text) => {
      expect(parseSymbolName(text)).toBeUndefined();
    },
  );

  it('writes a method back with a slash only when the user used one', () => {
    expect(displayName('demo.v1.KeyValue.Get', true)).toBe('demo.v1.KeyValue/Get');
    expect(displayName('demo.v1.KeyValue.Get', false)).toBe('demo.v1.KeyValue.Get');
  });
});

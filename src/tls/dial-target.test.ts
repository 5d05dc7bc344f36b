// Where a client dials, in one canonical form: HOST:PORT or a unix socket as gRPC names them, the
// spelling handed to grpc-js, what node:net connects to, and the name the server is checked for.
import { defaultServerName, grpcTarget, parseDialTarget, socketAddress } from './address';

describe('dial targets', () => {
  it('unix:///ABSOLUTE, unix:/ABSOLUTE and unix:RELATIVE are unix sockets; anything else is HOST:PORT', () => {
    expect(parseDialTarget('unix:///run/certrpc.sock')).toEqual({ kind: 'unix', path: '/run/certrpc.sock' });
    expect(parseDialTarget('unix:/run/certrpc.sock')).toEqual({ kind: 'unix', path: '/run/certrpc.sock' });
    expect(parseDialTarget('unix:run/certrpc.sock')).toEqual({ kind: 'unix', path: 'run/certrpc.sock' });
    expect(parseDialTarget('unix:////run/x')).toEqual({ kind: 'unix', path: '//run/x' });
    expect(parseDialTarget('[::1]:50051')).toEqual({ kind: 'tcp', host: '::1', port: 50051 });
    expect(parseDialTarget('dns:///kv.corp:443')).toEqual({ kind: 'tcp', host: 'kv.corp', port: 443 });
  });

  it('refuses an empty unix path, an authority (unix://host/path), a NUL byte, and HOST without a port, naming the address', () => {
    for (const bad of ['unix:', 'unix://', 'unix://host/run/x', 'unix:run\0x', 'unixsocket']) {
      expect(() => parseDialTarget(bad)).toThrow(`bad address "${bad}"`);
    }
  });

  it('hands grpc-js, node:net and the name check one spelling each', () => {
    const abs = parseDialTarget('unix:/run/s');
    const rel = parseDialTarget('unix:run/s');
    const v6 = parseDialTarget('[::1]:7');
    const v4 = parseDialTarget('127.0.0.1:8');
    expect([abs, rel, v6, v4].map(grpcTarget)).toEqual(['unix:///run/s', 'unix:run/s', '[::1]:7', '127.0.0.1:8']);
    expect([abs, rel, v6, v4].map(socketAddress)).toEqual([
      { path: '/run/s' },
      { path: 'run/s' },
      { host: '::1', port: 7 },
      { host: '127.0.0.1', port: 8 },
    ]);
    expect([abs, v6, v4].map(defaultServerName)).toEqual(['localhost', '::1', '127.0.0.1']);
  });
});

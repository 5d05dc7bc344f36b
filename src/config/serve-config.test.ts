import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveCommand } from '../cli/serve';
import { CONFIG_FIELDS, ConfigError, loadServeConfig, parseServeConfig } from './serve-config';

function configError(text: string): ConfigError {
  try {
    parseServeConfig(text, 'serve.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('serve config file', () => {
  it('turns keys into flag values, listen into --host/--port, and limits into numbers', () => {
    const config = parseServeConfig(
      [
        'listen: 0.0.0.0:8443',
        'logLevel: debug',
        'shutdownGrace: 3s',
        'reflection: false',
        'limits:',
        '  maxConnections: 50',
        '  handshakeTimeoutMs: 2s',
        '  maxReceiveMessageBytes: 1MiB',
      ].join('\n'),
      '/etc/certrpc/serve.yaml',
    );
    expect(config.flags).toEqual({ host: '0.0.0.0', port: '8443', logLevel: 'debug', shutdownGrace: '3s', reflection: false });
    expect(config.limits).toEqual({ maxConnections: 50, handshakeTimeoutMs: 2000, maxReceiveMessageBytes: 1024 * 1024 });
  });

  it('resolves file paths against the config file, not the working directory', () => {
    const config = parseServeConfig('dir: certs\npolicy: /abs/policy.yaml\nclientCa: [cas/a.crt, cas/b.crt]\n', '/etc/certrpc/serve.yaml');
    expect(config.flags.dir).toBe('/etc/certrpc/certs');
    expect(config.flags.policy).toBe('/abs/policy.yaml');
    expect(config.flags.clientCa).toEqual(['/etc/certrpc/cas/a.crt', '/etc/certrpc/cas/b.crt']);
  });

  it('reports a syntax error with its line and a fix', () => {
    const err = configError('listen: 127.0.0.1:1\nlimits:\n  maxConnections: [1\n');
    expect(err.message).toMatch(/^serve\.yaml:\d+:\d+: YAML syntax error/);
    expect(err.message).toMatch(/fix: /);
  });

  it('refuses aliases expanded past the bound ("billion laughs") as a problem of the file, with a fix', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++)
      lines.push(
        `a${i}: &a${i} [${Array(10)
          .fill(i === 1 ? '*a' : `*a${i - 1}`)
          .join(', ')}]`,
      );
    const err = configError(lines.join('\n'));
    expect(err.message).toMatch(/^serve\.yaml: .*alias/);
    expect(err.message).toMatch(/fix: .*alias/);
  });

  it('names an unknown key, its line, and the key meant', () => {
    const err = configError('listen: 127.0.0.1:1\nloglevel: debug\n');
    expect(err.message).toBe(
      'serve.yaml:2:1: loglevel: unknown field "loglevel"\n  fix: did you mean "logLevel"? (allowed here: ' +
        ['listen', 'limits', ...Object.keys(CONFIG_FIELDS)].join(', ') +
        ')',
    );
  });

  it('reports bad values at their line: port, log level, duration, limit name and limit value', () => {
    const err = configError(
      ['port: 70000', 'logLevel: loud', 'shutdownGrace: soon', 'limits:', '  maxConection: 5', '  handshakeTimeoutMs: fast'].join('\n'),
    );
    const lines = err.issues.map((i) => [i.line, i.field]);
    expect(lines).toEqual(
      expect.arrayContaining([
        [1, 'port'],
        [2, 'logLevel'],
        [3, 'shutdownGrace'],
      ]),
    );
    expect(err.message).toMatch(/serve\.yaml:3:16: shutdownGrace: "soon" is not a duration\n {2}fix: write a number with a unit/);
    // Limits are checked once the rest is valid.
    const limitErr = configError(['limits:', '  maxConection: 5', '  handshakeTimeoutMs: fast'].join('\n'));
    expect(limitErr.message).toMatch(
      /serve\.yaml:2:3: limits\.maxConection: unknown limit "maxConection"\n {2}fix: use one of: .*maxConnections/,
    );
    expect(limitErr.message).toMatch(/serve\.yaml:3:23: limits\.handshakeTimeoutMs: "fast" is not a duration/);
  });

  it('says when the file cannot be read, naming it', () => {
    expect(() => loadServeConfig('/nonexistent/serve.yaml')).toThrow(/config file not found/);
    const dir = mkdtempSync(join(tmpdir(), 'certrpc-config-'));
    writeFileSync(join(dir, 'empty.yaml'), '# nothing\n');
    expect(() => loadServeConfig(join(dir, 'empty.yaml'))).toThrow(/the file is empty/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('has a key for serve flags only, each named after the flag', () => {
    const attributes = serveCommand().options.map((o) => o.attributeName());
    for (const key of Object.keys(CONFIG_FIELDS)) expect(attributes).toContain(key);
  });
});

// The end-of-run key-leak check must be able to fail: plant a key in a log and see it caught.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { scanForKeyLeaks } from './key-leak-scan';
import { privateKeyLines } from './test-run';
import { tempDir } from './temp-dir';

describe('key-leak scan', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());
  const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();

  it('finds a PEM header, and a key body logged without its header (e.g. JSON-escaped)', () => {
    const logs = join(tmp.dir, 'logs');
    mkdirSync(logs);
    writeFileSync(join(logs, 'clean.log'), '{"level":30,"msg":"listening"}\n');
    writeFileSync(join(logs, 'pem.log'), `{"msg":"oops"}\n${rsa}`);
    const body = privateKeyLines(pem)[0];
    writeFileSync(join(logs, 'json.log'), `${JSON.stringify({ msg: `key=${pem.split('\n').slice(1).join('\\n')}` })}\n`);
    const { leaks } = scanForKeyLeaks(logs, privateKeyLines(pem));
    expect(leaks).toEqual(
      expect.arrayContaining([
        { file: 'pem.log', line: 2, what: 'a PEM private key header' },
        { file: 'json.log', line: 1, what: `the key line ${body.slice(0, 12)}...` },
      ]),
    );
    expect(leaks.some((l) => l.file === 'clean.log')).toBe(false);
  });

  it('takes every base64 line of RSA and EC keys', () => {
    expect(privateKeyLines(rsa).length).toBeGreaterThan(5);
    expect(privateKeyLines(pem).length).toBeGreaterThanOrEqual(2);
    expect(privateKeyLines('no key here')).toEqual([]);
  });
});

// The end-of-run key-leak check must be able to fail: plant a key in a log, in every form a
// program could print it, and see each one caught; print only public material and see nothing.
import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { readKeyMarkers, scanForKeyLeaks, scanText, keyMarkers } from './key-leak-scan';
import { registerKeysIn, testRunDir } from './test-run';
import { tempDir } from './temp-dir';

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
const ed = generateKeyPairSync('ed25519');
const pkcs8 = (k: KeyObject) => k.export({ type: 'pkcs8', format: 'pem' }).toString();
const der = (k: KeyObject, type: 'pkcs8' | 'sec1' | 'pkcs1' = 'pkcs8') => k.export({ type, format: 'der' } as never) as unknown as Buffer;
const markersOf = (k: KeyObject) => keyMarkers(pkcs8(k), 'planted.key');
const wrap = (s: string, width: number) => s.match(new RegExp(`.{1,${width}}`, 'g'))!.join('\n');
const body = (pem: string) => pem.split('\n').filter((l) => l && !l.startsWith('-----'));

describe('key-leak scan', () => {
  const forms: [string, KeyObject, (k: KeyObject) => string, string[]][] = [
    ['a PEM block', ec.privateKey, (k) => `{"msg":"loaded"}\n${pkcs8(k)}`, ['a PEM private key header', 'base64']],
    [
      'a PEM body without its header, JSON-escaped into one line',
      ec.privateKey,
      (k) => JSON.stringify({ msg: `key=${body(pkcs8(k)).join('\n')}` }),
      ['base64'],
    ],
    ['the DER in base64 on one line', ec.privateKey, (k) => `{"key":"${der(k).toString('base64')}"}`, ['base64']],
    [
      'the DER in base64 wrapped at 76 (MIME) over several lines',
      ec.privateKey,
      (k) => `key:\n${wrap(der(k).toString('base64'), 76)}\n`,
      ['base64'],
    ],
    [
      'a SEC1 DER in base64 (another container, another alignment)',
      ec.privateKey,
      (k) => `sec1 ${der(k, 'sec1').toString('base64')}`,
      ['base64'],
    ],
    ['the JWK (base64url "d")', ec.privateKey, (k) => JSON.stringify(k.export({ format: 'jwk' })), ['base64']],
    ['the DER in hex', ec.privateKey, (k) => `der=${der(k).toString('hex')}`, ['hex']],
    [
      'the scalar in upper-case hex with colons over lines (openssl -text)',
      ec.privateKey,
      (k) =>
        `priv:\n    ${wrap(
          Buffer.from(k.export({ format: 'jwk' }).d!, 'base64url')
            .toString('hex')
            .toUpperCase(),
          30,
        )
          .replace(/(..)(?!\n|$)/g, '$1:')
          .replace(/\n/g, ':\n    ')}\n`,
      ['hex'],
    ],
    ['an RSA key as PKCS#1 DER in base64', rsa.privateKey, (k) => der(k, 'pkcs1').toString('base64'), ['base64']],
    ['an RSA key as a PEM body, 64-character lines', rsa.privateKey, (k) => body(pkcs8(k)).join('\n'), ['base64']],
    ['an Ed25519 key as DER in hex', ed.privateKey, (k) => der(k).toString('hex'), ['hex']],
  ];

  it.each(forms)('finds %s', (_what, key, print, expected) => {
    const leaks = scanText(`{"level":30,"msg":"starting"}\n${print(key)}\n{"level":30,"msg":"done"}\n`, 'planted.log', markersOf(key));
    expect(leaks.every((l) => l.file === 'planted.log' && l.line >= 2)).toBe(true);
    // How it was found; base64url counts as base64 (the two differ only where a window holds "+" or "/").
    const kinds = new Set(leaks.map((l) => l.what.replace('the private key planted.key as ', '').replace('base64url', 'base64')));
    expect([...kinds].sort()).toEqual([...expected].sort());
  });

  it('finds nothing in clean logs: public keys, other keys, fingerprints and serials in every encoding', () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const pub = ec.publicKey.export({ type: 'spki', format: 'der' });
    const text = [
      '{"level":30,"msg":"listening","port":50051}',
      `{"spki":"${pub.toString('base64')}","hex":"${pub.toString('hex')}"}`,
      `{"other":"${der(other).toString('base64')}"}`,
      JSON.stringify(ec.publicKey.export({ format: 'jwk' })),
      '{"fingerprint":"AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89","serial":"75acd50fcdecc1f479e2c37b146ceae9"}',
    ].join('\n');
    expect(scanText(text, 'clean.log', [...markersOf(ec.privateKey), ...markersOf(rsa.privateKey), ...markersOf(ed.privateKey)])).toEqual(
      [],
    );
  });

  it('records keys from a suite directory and scans a log directory with them (the end-of-run path)', () => {
    const tmp = tempDir();
    try {
      mkdirSync(join(tmp.dir, 'certs'));
      writeFileSync(join(tmp.dir, 'certs', 'alice.key'), pkcs8(ec.privateKey));
      writeFileSync(join(tmp.dir, 'certs', 'alice.crt'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
      const logs = join(tmp.dir, 'logs');
      mkdirSync(logs);
      writeFileSync(join(logs, 'clean.log'), '{"level":30,"msg":"listening"}\n');
      writeFileSync(join(logs, 'leaky.log'), `{"level":30,"msg":"listening"}\n{"key":"${der(ec.privateKey).toString('hex')}"}\n`);
      registerKeysIn(tmp.dir);
      const recorded = readKeyMarkers(join(testRunDir(), 'keys'));
      // Other suites record their keys in the same run directory meanwhile: pick ours by path.
      const added = recorded.filter((m) => m.key.startsWith(relative(tmpdir(), tmp.dir)));
      // For the one secret: base64 at 3 alignments (and base64url where it differs), and hex.
      expect(added.filter((m) => m.encoding === 'base64')).toHaveLength(3);
      expect(added.filter((m) => m.encoding === 'hex')).toHaveLength(1);
      expect(new Set(added.map((m) => m.key))).toEqual(new Set([relative(tmpdir(), join(tmp.dir, 'certs', 'alice.key'))]));
      const { files, leaks } = scanForKeyLeaks(logs, recorded);
      expect(files).toBe(2);
      expect(leaks).toEqual([
        { file: 'leaky.log', line: 2, what: `the private key ${relative(tmpdir(), join(tmp.dir, 'certs', 'alice.key'))} as hex` },
      ]);
      expect(readFileSync(join(logs, 'clean.log'), 'utf8')).toContain('listening');
    } finally {
      tmp.cleanup();
    }
  });

  it('records nothing for text without a key, or a key it cannot read (encrypted)', () => {
    expect(keyMarkers('no key here', 'x')).toEqual([]);
    const encrypted = ec.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' }).toString();
    expect(keyMarkers(encrypted, 'x')).toEqual([]);
  });
});

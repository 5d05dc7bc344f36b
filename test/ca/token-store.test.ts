// Enrollment tokens at rest and in use (src/ca/token-store.ts): stored only as SHA-256 hashes, 0600;
// each refusal says why (malformed, unknown, used and when, expired and when); using one up is one
// rename, so of several consumers racing for one token exactly one wins.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TokenRefusal, TokenStore } from '../../src/ca/token-store';
import { PkiDir } from '../../src/store/pki-dir';
import { tempDir } from '../helpers/temp-dir';

const spec = { name: 'web1', profile: 'server' as const, sans: ['DNS:web1.internal'], lifetimeMs: 86_400_000, ttlMs: 3_600_000 };

function refusal(fn: () => unknown): TokenRefusal {
  try {
    fn();
  } catch (err) {
    if (err instanceof TokenRefusal) return err;
    throw err;
  }
  throw new Error('expected a TokenRefusal');
}

describe('enrollment tokens', () => {
  const tmp = tempDir();
  const store = new TokenStore(new PkiDir(tmp.dir));
  afterAll(() => tmp.cleanup());

  it('are 256 random bits shown once and stored as their SHA-256 only, 0600 in a 0700 directory', () => {
    const { token, record } = store.create(spec);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(record.hash).toMatch(/^[0-9a-f]{64}$/);
    const file = join(store.dir, `${record.hash}.json`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(store.dir).mode & 0o777).toBe(0o700);
    for (const f of readdirSync(store.dir)) if (f.endsWith('.json')) expect(readFileSync(join(store.dir, f), 'utf8')).not.toContain(token);
    expect(store.find(token)).toMatchObject({ name: 'web1', profile: 'server', sans: ['DNS:web1.internal'], lifetimeMs: 86_400_000 });
  });

  it('refuse malformed and unknown tokens, saying which', () => {
    expect(refusal(() => store.find('not a token')).kind).toBe('malformed');
    const unknown = refusal(() => store.find('A'.repeat(43)));
    expect(unknown.kind).toBe('unknown');
    expect(unknown.message).toMatch(/^unknown token/);
  });

  it('refuse an expired token with the time it expired', () => {
    const { token, record } = store.create({ ...spec, ttlMs: 1000 }, new Date(Date.now() - 60_000));
    const r = refusal(() => store.find(token));
    expect(r.kind).toBe('expired');
    expect(r.message).toContain(`this token expired at ${record.expiresAt}`);
  });

  it('work once: a used token is refused with when and for which certificate', () => {
    const { token } = store.create(spec);
    const record = store.find(token);
    const used = store.consume(record);
    store.recordUse(used, 'abc123');
    const r = refusal(() => store.find(token));
    expect(r.kind).toBe('used');
    expect(r.message).toContain(`already used at ${used.usedAt} (certificate serial abc123)`);
    expect(refusal(() => store.consume(record)).kind).toBe('used');
  });

  it('of many consumers racing for one token (found by each before any used it), exactly one wins', async () => {
    const { token } = store.create(spec);
    const found = Array.from({ length: 16 }, () => store.find(token));
    const outcomes = await Promise.all(
      found.map(async (r) => {
        await new Promise((resolve) => setImmediate(resolve));
        try {
          store.consume(r);
          return 'used it';
        } catch (err) {
          return (err as TokenRefusal).kind;
        }
      }),
    );
    expect(outcomes.filter((o) => o === 'used it')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'used')).toHaveLength(15);
  });
});

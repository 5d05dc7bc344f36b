// One-time enrollment tokens (`certrpc ca token`): 256 random bits, shown once, stored only as their
// SHA-256 hash beside what they bind (name, purpose, SANs, lifetime) and when they expire:
//   DIR/tokens/HASH.json        waiting to be used (0600, the directory 0700)
//   DIR/tokens/used/HASH.json   used: when, and the serial it was exchanged for
// One file per token, so `ca token` (one process) and `ca serve` (another) never rewrite a shared
// file. Using a token is ONE rename(2) from waiting to used: of two Enrolls racing with the same
// token, exactly one rename succeeds, in one process or several.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { PkiError } from '../pki/errors';
import { Profile } from '../pki/profiles';
import { writeFileAtomic } from '../store/atomic-write';
import { PkiDir } from '../store/pki-dir';

/** 32 random bytes as base64url: 43 characters. */
const TOKEN_TEXT = /^[A-Za-z0-9_-]{43}$/;

const recordSchema = z.object({
  version: z.literal(1),
  /** SHA-256 of the token, lower-case hex: also the file name. */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  name: z.string(),
  profile: z.enum(['client', 'server']),
  /** "TYPE:value", as --san takes them. */
  sans: z.array(z.string()),
  lifetimeMs: z.number().int().positive(),
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  usedAt: z.iso.datetime().optional(),
  /** The certificate it was exchanged for. */
  serial: z.string().optional(),
});

export type TokenRecord = z.infer<typeof recordSchema>;

export interface TokenSpec {
  name: string;
  profile: Profile;
  sans: string[];
  lifetimeMs: number;
  ttlMs: number;
}

/** Why a token cannot be used, in words for the requester (never the token itself). */
export class TokenRefusal extends Error {
  constructor(
    message: string,
    readonly kind: 'malformed' | 'unknown' | 'used' | 'expired',
  ) {
    super(message);
    this.name = 'TokenRefusal';
  }
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export class TokenStore {
  constructor(private readonly pki: PkiDir) {}

  get dir(): string {
    return join(this.pki.dir, 'tokens');
  }
  private get usedDir(): string {
    return join(this.dir, 'used');
  }
  private waitingFile(hash: string): string {
    return join(this.dir, `${hash}.json`);
  }
  private usedFile(hash: string): string {
    return join(this.usedDir, `${hash}.json`);
  }

  /** A new token; the caller shows it once. Only its hash is written. */
  create(spec: TokenSpec, now = new Date()): { token: string; record: TokenRecord } {
    const token = randomBytes(32).toString('base64url');
    const record: TokenRecord = {
      version: 1,
      hash: tokenHash(token),
      name: spec.name,
      profile: spec.profile,
      sans: spec.sans,
      lifetimeMs: spec.lifetimeMs,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + spec.ttlMs).toISOString(),
    };
    mkdirSync(this.usedDir, { recursive: true, mode: 0o700 });
    writeFileAtomic(this.waitingFile(record.hash), `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
    return { token, record };
  }

  /**
   * The record of a token that may be used now; throws TokenRefusal saying why not (unknown, used
   * and when, expired and when). Does not use it up: consume() does, once the request checks out.
   */
  find(token: string, now = new Date()): TokenRecord {
    if (!TOKEN_TEXT.test(token))
      throw new TokenRefusal(
        'this is not a certrpc enrollment token (43 characters of base64url, as certrpc ca token prints it)',
        'malformed',
      );
    const hash = tokenHash(token);
    // The file name is the hash, so the lookup itself compares hashes, not tokens; the record's own
    // hash is compared in constant time as well (a record whose name and content disagree is refused).
    const used = this.read(this.usedFile(hash), hash);
    if (used)
      throw new TokenRefusal(
        `this token was already used at ${used.usedAt ?? 'an unknown time'}${used.serial ? ` (certificate serial ${used.serial})` : ''}; a token works once: ask for a new one (certrpc ca token ${used.name})`,
        'used',
      );
    const record = this.read(this.waitingFile(hash), hash);
    if (!record)
      throw new TokenRefusal('unknown token: this CA never issued it (check for a copy-paste error, or the CA directory)', 'unknown');
    if (now.getTime() >= Date.parse(record.expiresAt))
      throw new TokenRefusal(
        `this token expired at ${record.expiresAt}; ask the CA operator for a new one (certrpc ca token ${record.name})`,
        'expired',
      );
    return record;
  }

  /**
   * Uses the token up: one atomic rename (the decision). Throws TokenRefusal('used') when another
   * request got there first. The record says when once recordUse() has run (a crash in between
   * leaves it used, "at an unknown time").
   */
  consume(record: TokenRecord, now = new Date()): TokenRecord {
    try {
      renameSync(this.waitingFile(record.hash), this.usedFile(record.hash));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        throw new TokenRefusal('this token was just used by another request; a token works once', 'used');
      throw err;
    }
    return { ...record, usedAt: now.toISOString() };
  }

  /** Notes when a used token was used and the serial it was exchanged for (the "already used" answer, the operator). */
  recordUse(used: TokenRecord, serial?: string): void {
    this.write(this.usedFile(used.hash), { ...used, ...(serial ? { serial } : {}) });
  }

  private write(file: string, record: TokenRecord): void {
    writeFileAtomic(file, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600, overwrite: true });
  }

  private read(file: string, hash: string): TokenRecord | undefined {
    if (!existsSync(file)) return undefined;
    let parsed: TokenRecord;
    try {
      parsed = recordSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
    } catch (err) {
      throw new PkiError(`not a certrpc token record: ${(err as Error).message}`, {
        file,
        fix: 'remove it and issue a new token with certrpc ca token',
      });
    }
    if (!timingSafeEqual(Buffer.from(parsed.hash, 'hex'), Buffer.from(hash, 'hex'))) {
      throw new PkiError('the token record does not belong to its file name', {
        file,
        fix: 'remove it and issue a new token with certrpc ca token',
      });
    }
    return parsed;
  }
}

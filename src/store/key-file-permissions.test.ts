import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { checkPrivateKeyPermissions } from './key-file-permissions';

describe('private key file permissions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'certrpc-keyperm-'));
  const key = join(dir, 'server.key');
  writeFileSync(key, 'not really a key');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts 0600 and 0400', () => {
    for (const mode of [0o600, 0o400]) {
      chmodSync(key, mode);
      expect(checkPrivateKeyPermissions(key)).toBeUndefined();
    }
  });

  it('warns about a group-readable key', () => {
    chmodSync(key, 0o640);
    expect(checkPrivateKeyPermissions(key)).toMatch(/readable by its group \(mode 0640\)/);
  });

  it('refuses a key others can read or write, and one its owner cannot read, whoever runs the check', () => {
    chmodSync(key, 0o644);
    expect(() => checkPrivateKeyPermissions(key)).toThrow(/accessible to every user on this machine \(mode 0644\)/);
    chmodSync(key, 0o602);
    expect(() => checkPrivateKeyPermissions(key)).toThrow(/mode 0602/);
    chmodSync(key, 0o000);
    expect(() => checkPrivateKeyPermissions(key)).toThrow(/not readable by its owner \(mode 0000\)/);
  });

  it('leaves a missing file to the reader, which says how to create it', () => {
    expect(checkPrivateKeyPermissions(join(dir, 'missing.key'))).toBeUndefined();
  });
});

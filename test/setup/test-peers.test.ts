// Issue 15 (a fresh machine): `npm test` first runs scripts/test-peers.sh. Where it cannot install
// a missing peer (not root), it must stop at once with the exact command, never let suites skip.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/temp-dir';

const SCRIPT = join(__dirname, '..', '..', 'scripts', 'test-peers.sh');

describe('scripts/test-peers.sh', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('passes when every peer is there (this machine ran it before the suite)', () => {
    const r = spawnSync('bash', [SCRIPT], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('as a user who cannot install: exits 1 at once naming the packages and the apt-get line', () => {
    // A missing Python grpcio, as seen by a user without root (the script is copied where that user can read it).
    const asUser = process.getuid?.() === 0 ? ['/usr/bin/setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups'] : [];
    if (asUser.length > 0 && !existsSync(asUser[0])) throw new Error('setpriv is missing: apt-get install -y util-linux');
    const script = join(tmp.dir, 'test-peers.sh');
    copyFileSync(SCRIPT, script);
    chmodSync(tmp.dir, 0o755);
    const r = spawnSync(asUser[0] ?? 'bash', [...asUser.slice(1), ...(asUser.length ? ['bash'] : []), script], {
      encoding: 'utf8',
      env: { ...process.env, CERTRPC_TEST_PYTHON: join(tmp.dir, 'no-python-here') },
      cwd: tmp.dir,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('not installed: python3 python3-grpcio python3-grpc-tools');
    expect(r.stderr).toContain(
      'fix: run as root:  apt-get update && apt-get install -y --no-install-recommends python3 python3-grpcio python3-grpc-tools',
    );
  });
});

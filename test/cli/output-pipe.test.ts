// `certrpc ... | head` is how people read long output. When the reader leaves early, certrpc must
// stop quietly with its exit code, not crash with an unhandled EPIPE and a stack trace.
import { spawnSync } from 'node:child_process';
import { CERTRPC } from '../helpers/cli';

describe('output into a pipe that closes early', () => {
  it.each(['--help', 'cert inspect --help', 'serve --help', 'call --help'])(
    'certrpc %s | head -1 exits 0 without a stack trace',
    (args) => {
      // Several help texts, so the second write of the full help lands after head has exited.
      const cmd = `set -o pipefail; for i in 1 2 3; do "${process.execPath}" "${CERTRPC}" ${args}; done | head -1`;
      const r = spawnSync('bash', ['-c', cmd], { encoding: 'utf8' });
      expect(r.stdout).toMatch(/^Usage: certrpc/);
      expect(r.stderr).not.toMatch(/EPIPE|Unhandled|at .*\.js:\d+/);
      expect(r.status).toBe(0);
    },
  );
});

// A one-time token is a bearer secret until it is used: on the agent's host it belongs in the
// environment (CERTRPC_TOKEN), not in the arguments every local user can read (/proc/PID/cmdline)
// for as long as the agent runs, retries included. Every piece of advice certrpc prints says so.
import { join } from 'node:path';
import { reEnroll } from '../../src/agent/enrollment-request';
import { PkiError } from '../../src/pki/errors';
import { describeForCli } from '../../src/cli/error-wording';
import { CaBackend } from '../../src/agent/ca-backend';
import { runCli } from '../helpers/cli';
import { demoPki } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';

jest.setTimeout(60_000);

describe('token advice', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('ca token tells the agent host to pass the token in CERTRPC_TOKEN, never as --token', async () => {
    const dir = join(tmp.dir, 'certs');
    await demoPki(dir);
    const r = await runCli(['ca', 'token', 'web1', '--server', '--san', 'DNS:web1.internal', '--dir', dir]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/on the host: CERTRPC_TOKEN=TOKEN certrpc agent /);
    expect(r.stderr).not.toMatch(/--token TOKEN/);
  });

  it("so does the CLI's fix of an identity that must enroll again, and of one with no token yet", () => {
    for (const code of ['AGENT_REENROLL', 'AGENT_NO_TOKEN']) {
      const { fix, params } = reEnroll({} as CaBackend, 'web1');
      const text = describeForCli(new PkiError('must enroll', { code, fix, params }));
      expect(text).toContain('CERTRPC_TOKEN');
      expect(text).not.toMatch(/with --token/);
    }
  });
});

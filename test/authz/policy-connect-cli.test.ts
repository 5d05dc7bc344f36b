// `certrpc policy explain --connect HOST:PORT`: the proxy's decision, from the command line.
import { join } from 'node:path';
import { runCli } from '../helpers/cli';

const POLICY = join(__dirname, '..', '..', 'policy.yaml');

describe('certrpc policy explain --connect', () => {
  it('ALLOW for admin (demo policy: admin-tunnels), exit 0', async () => {
    const r = await runCli(['policy', 'explain', POLICY, '--cn', 'alice', '--connect', '10.0.0.5:50051', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ decision: 'allow', connect: '10.0.0.5:50051', roles: ['admin'], rule: 'admin-tunnels' });
  });

  it('DENY for a reader with the sentence the proxy answers 403 with, exit 71', async () => {
    const r = await runCli(['policy', 'explain', POLICY, '--cn', 'bob', '--connect', '10.0.0.5:50051']);
    expect(r.code).toBe(71);
    expect(r.stdout).toContain('decision: DENY (certrpc proxy answers 403)');
    expect(r.stdout).toContain(
      'message:  CN=bob (roles: reader) may not open a tunnel to 10.0.0.5:50051: tunnels there are allowed for roles admin',
    );
  });

  it('usage errors: a bad target, or both --method and --connect (exit 2)', async () => {
    const bad = await runCli(['policy', 'explain', POLICY, '--cn', 'bob', '--connect', '10.0.0.5']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bad --connect "10\.0\.0\.5": "10\.0\.0\.5" is not HOST:PORT\n\s+fix: give HOST:PORT/);
    const both = await runCli(['policy', 'explain', POLICY, '--cn', 'bob', '--connect', '10.0.0.5:1', '--method', '/demo.v1.KeyValue/Get']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/give exactly one of --method and --connect/);
  });
});

// `certrpc serve` serves certrpc's own services; the demo services only with --demo.
import { join } from 'node:path';
import { runCli, RunningServer, startCli } from '../helpers/cli';
import { demoPki } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';

const POLICY = join(__dirname, '..', '..', 'policy.yaml');

describe('certrpc serve and --demo', () => {
  const tmp = tempDir();
  const servers: RunningServer[] = [];
  beforeAll(() => demoPki(tmp.dir));
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    tmp.cleanup();
  });

  async function services(extra: string[]): Promise<string[]> {
    const server = await startCli(['serve', '--dir', tmp.dir, '--port', '0', '--policy', POLICY, '--audit', 'none', ...extra]);
    servers.push(server);
    const r = await runCli(['list', server.address, '--identity', 'alice', '--dir', tmp.dir]);
    expect(r.code).toBe(0);
    return r.stdout.trim().split('\n');
  }

  it('without --demo: Identity, health and reflection only', async () => {
    expect(await services([])).toEqual([
      'certrpc.v1.Identity',
      'grpc.health.v1.Health',
      'grpc.reflection.v1.ServerReflection',
      'grpc.reflection.v1alpha.ServerReflection',
    ]);
  });

  it('with --demo: the demo services too', async () => {
    expect(await services(['--demo'])).toEqual([
      'certrpc.v1.Identity',
      'demo.v1.Echo',
      'demo.v1.KeyValue',
      'grpc.health.v1.Health',
      'grpc.reflection.v1.ServerReflection',
      'grpc.reflection.v1alpha.ServerReflection',
    ]);
  });
});

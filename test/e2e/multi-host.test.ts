// Issue 7, part 6: three hosts (network namespaces joined by veth pairs), no loopback in between:
//   client host 10.203.A.2 --- 10.203.A.1 proxy host 10.203.B.1 --- 10.203.B.2 server host
// The client host has no route to the server host, so every call must go through the proxy.
// Needs root and network namespaces. CI runs as root: there the suite runs, and fails if it cannot;
// elsewhere it is skipped and says why in its title and on stderr (test/helpers/requirements.ts).
import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import { RunningServer, runCli, startCli } from '../helpers/cli';
import { eventually, logLines } from '../helpers/eventually';
import { namespaceUnsupportedReason, NetnsLab } from '../helpers/netns';
import { demoPki } from '../helpers/pki';
import { describeWhenSupported } from '../helpers/requirements';
import { tempDir } from '../helpers/temp-dir';

const POLICY = join(__dirname, '..', '..', 'policy.yaml');
const WHOAMI = 'certrpc.v1.Identity/WhoAmI';
const SERVICE_ID = 'spiffe://certrpc.demo/service/demo';

describeWhenSupported(namespaceUnsupportedReason(), 'certrpc across three hosts (network namespaces)', () => {
  // Made in beforeAll, so a skipped suite leaves nothing behind.
  let tmp: ReturnType<typeof tempDir>;
  const lab = new NetnsLab();
  // Two /24s of 10.203.0.0/16, picked per run; they exist only inside this run's namespaces.
  const a = 2 * randomInt(0, 127);
  const net = { clientSide: `10.203.${a}`, serverSide: `10.203.${a + 1}` };
  const addr = {
    client: `${net.clientSide}.2`,
    proxyFront: `${net.clientSide}.1`,
    proxyBack: `${net.serverSide}.1`,
    server: `${net.serverSide}.2`,
  };
  const hosts = { client: '', proxy: '', server: '' };
  let server: RunningServer | undefined;
  let proxy: RunningServer | undefined;

  const callFromClientHost = (address: string, ...args: string[]) =>
    runCli(['call', address, WHOAMI, '--dir', tmp.dir, ...args], { netns: hosts.client });

  beforeAll(async () => {
    tmp = tempDir();
    hosts.client = lab.host('cli');
    hosts.proxy = lab.host('prx');
    hosts.server = lab.host('srv');
    lab.link({ ns: hosts.client, address: addr.client }, { ns: hosts.proxy, address: addr.proxyFront });
    lab.link({ ns: hosts.proxy, address: addr.proxyBack }, { ns: hosts.server, address: addr.server });
    await demoPki(tmp.dir);
    const issue = (name: string, san: string) => runCli(['cert', 'issue', name, '--server', '--san', san, '--dir', tmp.dir]);
    expect((await issue('backend', `IP:${addr.server},URI:${SERVICE_ID}`)).code).toBe(0);
    expect((await issue('proxy', `IP:${addr.proxyFront}`)).code).toBe(0);
    server = await startCli(
      ['serve', '--demo', '--dir', tmp.dir, '--name', 'backend', '--host', addr.server, '--port', '0', '--policy', POLICY],
      { netns: hosts.server },
    );
    proxy = await startCli(['proxy', '--dir', tmp.dir, '--listen', `${addr.proxyFront}:0`, '--policy', POLICY], { netns: hosts.proxy });
  });

  afterAll(async () => {
    await proxy?.stop();
    await server?.stop();
    const problems = lab.cleanup();
    tmp?.cleanup();
    if (problems.length > 0) throw new Error(`could not delete namespaces: ${problems.join('; ')}`);
  });

  it('the client host cannot reach the server host directly', async () => {
    const direct = await callFromClientHost(server!.address, '--identity', 'alice', '--connect-timeout', '3');
    expect(direct.code).toBe(1);
    expect(direct.stderr).toMatch(/could not connect: .*(unreachable|no answer)/);
  });

  it('a call from the client host reaches the server host through the proxy host, as the client', async () => {
    const result = await callFromClientHost(server!.address, '--identity', 'alice', '--proxy', `https://${proxy!.address}`);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ commonName: 'alice', roles: ['admin'] });
    // Each host saw the hop next to it: the proxy the client host, the server the proxy host.
    const tunnel = await eventually(
      () => logLines(proxy!.logs()).find((l) => l.event === 'tunnel_closed' && l.cn === 'alice'),
      'the tunnel audit line',
    );
    expect(tunnel.peer).toMatch(new RegExp(`^${addr.client.replace(/\./g, '\\.')}:\\d+$`));
    expect(tunnel.target).toBe(server!.address);
    const decision = await eventually(
      () => logLines(server!.logs()).find((l) => l.method === '/certrpc.v1.Identity/WhoAmI' && l.cn === 'alice'),
      'the server audit line',
    );
    expect(String(decision.peer)).toContain(addr.proxyBack);
  });

  it('verifies the server by its service identity through the proxy, and refuses a role without tunnels', async () => {
    const byId = await callFromClientHost(
      server!.address,
      '--identity',
      'alice',
      '--proxy',
      `https://${proxy!.address}`,
      '--server-id',
      SERVICE_ID,
    );
    expect(byId.code).toBe(0);
    const bob = await callFromClientHost(server!.address, '--identity', 'bob', '--proxy', `https://${proxy!.address}`);
    expect(bob.code).toBe(1);
    expect(bob.stderr).toContain(`CN=bob (roles: reader) may not open a tunnel to ${server!.address}`);
  });
});

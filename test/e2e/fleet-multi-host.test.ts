// Issue 16 item 7 across hosts: network namespaces joined by veth links, no loopback in between:
//   CA host ---- server host 1      every host reaches the CA on a link of its own, and the client
//     |  \------ server host 2      host reaches each server on another:
//     +--------- client host ------ server hosts 1 and 2
// Every identity is agent-managed with 30 s certificates: enrollment, renewal under continuous load
// with 0 failed calls, and `cert revoke` on the CA host cutting the client off on both server hosts
// within 10 s. Needs root; skipped with the reason elsewhere, and failing instead under CI=true
// (test/helpers/requirements.ts). The same on loopback: fleet-under-load.test.ts.
import { randomInt } from 'node:crypto';
import { runFleetScenario } from '../helpers/fleet-scenario';
import { namespaceUnsupportedReason, NetnsLab } from '../helpers/netns';
import { describeWhenSupported } from '../helpers/requirements';
import { tempDir } from '../helpers/temp-dir';

jest.setTimeout(150_000);

describeWhenSupported(namespaceUnsupportedReason(), 'a fleet across four hosts (network namespaces)', () => {
  let tmp: ReturnType<typeof tempDir>;
  const lab = new NetnsLab();

  beforeAll(() => {
    tmp = tempDir();
  });
  afterAll(() => {
    const problems = lab.cleanup();
    tmp?.cleanup();
    if (problems.length > 0) throw new Error(`could not delete namespaces: ${problems.join('; ')}`);
  });

  it('enrolls every host, renews 30 s certificates under load with 0 failed calls, and a revocation on the CA host cuts the client off on both server hosts within 10 s', async () => {
    // Five /24s of 10.203.0.0/16 for this run, one per link; they exist only inside its namespaces.
    const base = 5 * randomInt(0, 50);
    const net = (i: number) => `10.203.${base + i}`;
    const ns = { ca: lab.host('ca'), s1: lab.host('s1'), s2: lab.host('s2'), client: lab.host('cl') };
    lab.link({ ns: ns.ca, address: `${net(0)}.1` }, { ns: ns.s1, address: `${net(0)}.2` });
    lab.link({ ns: ns.ca, address: `${net(1)}.1` }, { ns: ns.s2, address: `${net(1)}.2` });
    lab.link({ ns: ns.ca, address: `${net(2)}.1` }, { ns: ns.client, address: `${net(2)}.2` });
    lab.link({ ns: ns.client, address: `${net(3)}.1` }, { ns: ns.s1, address: `${net(3)}.2` });
    lab.link({ ns: ns.client, address: `${net(4)}.1` }, { ns: ns.s2, address: `${net(4)}.2` });
    const run = await runFleetScenario(
      tmp.dir,
      {
        ca: { netns: ns.ca, listen: '0.0.0.0:0', sans: `IP:${net(0)}.1,IP:${net(1)}.1,IP:${net(2)}.1` },
        servers: [
          { netns: ns.s1, ip: `${net(3)}.2`, caIp: `${net(0)}.1` },
          { netns: ns.s2, ip: `${net(4)}.2`, caIp: `${net(1)}.1` },
        ],
        client: { netns: ns.client, caIp: `${net(2)}.1` },
      },
      '30s',
    );
    console.info(`fleet across hosts: ${JSON.stringify(run)}`);
    for (const b of run.beforeRevocation) {
      expect(b.failed).toBe(0);
      expect(b.ok).toBeGreaterThan(50);
      expect(b.clientSerialsSeen).toBeGreaterThanOrEqual(2);
    }
    run.serverRenewals.forEach((n) => expect(n).toBeGreaterThanOrEqual(1));
    expect(run.clientRenewals).toBeGreaterThanOrEqual(1);
    for (const r of run.refusals) expect(r).toMatch(/^(16: .*revoked.*keyCompromise|14: )/);
  });
});

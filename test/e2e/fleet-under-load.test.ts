// Issue 16 item 7 on loopback (every machine can run it): a CA, two servers and a client, each with
// its own agent-managed directory; 15 s certificates renew under continuous load with no failed call,
// then `cert revoke` on the CA host cuts the client off on both servers within 10 s. The same
// scenario across network-namespace hosts is fleet-multi-host.test.ts.
import { runFleetScenario } from '../helpers/fleet-scenario';
import { tempDir } from '../helpers/temp-dir';

jest.setTimeout(120_000);

describe('a fleet on loopback: renewal under load, revocation reaching the servers', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('renews every certificate under load with 0 failed calls; a revocation cuts the client off on both servers within 10 s', async () => {
    const run = await runFleetScenario(
      tmp.dir,
      {
        ca: { listen: '127.0.0.1:0', sans: 'DNS:localhost,IP:127.0.0.1' },
        servers: [{ ip: '127.0.0.1' }, { ip: '127.0.0.1' }],
        client: {},
      },
      '15s',
    );
    for (const b of run.beforeRevocation) {
      expect(b.failed).toBe(0);
      expect(b.ok).toBeGreaterThan(50);
      expect(b.clientSerialsSeen).toBeGreaterThanOrEqual(2); // the servers saw the client's renewed certificate
    }
    run.serverRenewals.forEach((n) => expect(n).toBeGreaterThanOrEqual(1));
    expect(run.clientRenewals).toBeGreaterThanOrEqual(1);
    // Within 10 s: runFleetScenario waits for the refusals that long and no longer.
    console.info(`fleet on loopback: ${JSON.stringify(run)}`);
    for (const r of run.refusals) expect(r).toMatch(/^(16: .*revoked.*keyCompromise|14: )/);
  });
});

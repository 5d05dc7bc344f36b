// Issue 12, item 7: a deny rule must not be bypassed by another spelling of the same address, and
// an allow rule must keep allowing every spelling of what it names. Real `certrpc proxy` processes
// on 127.0.0.1 port 0, real CONNECT requests over mTLS, real TCP targets on loopback; and
// `certrpc policy explain --connect` must decide every spelling the way the proxy does.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PkiDir } from '../../src/store/pki-dir';
import { RunningServer, runCli, startCli } from '../helpers/cli';
import { eventually, logLines } from '../helpers/eventually';
import { clientTls, demoPki } from '../helpers/pki';
import { echoTarget, EchoTarget, echoThrough, rawConnect } from '../helpers/proxy-connect';
import { tempDir } from '../helpers/temp-dir';

describe('certrpc proxy: every spelling of a target meets the same rule', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  let v4: EchoTarget; // 127.0.0.1, allowed by address in the allow policy
  let v6: EchoTarget; // ::1, allowed by a non-canonical IPv6 pattern
  let byName: EchoTarget; // 127.0.0.1, allowed by a host-name pattern only
  let denyProxy: RunningServer;
  let allowProxy: RunningServer;
  let denyPolicy: string;
  let allowPolicy: string;

  const ask = (proxy: RunningServer, target: string) => rawConnect(proxy.address, clientTls(pki, 'alice'), target);
  const reached = () => v4.connections() + v6.connections() + byName.connections();

  beforeAll(async () => {
    pki = await demoPki(tmp.dir);
    expect((await runCli(['cert', 'issue', 'proxy', '--server', '--san', 'DNS:localhost,IP:127.0.0.1', '--dir', tmp.dir])).code).toBe(0);
    [v4, v6, byName] = await Promise.all([echoTarget('127.0.0.1'), echoTarget('::1'), echoTarget('127.0.0.1')]);
    // alice (role ops) may go anywhere, except loopback, which is denied BY ADDRESS only: names that
    // resolve there and other spellings of those addresses must be caught by the same two patterns.
    denyPolicy = join(tmp.dir, 'deny-loopback.yaml');
    writeFileSync(
      denyPolicy,
      `roles:
  ops: [{ cn: alice }]
rules:
  - name: no-loopback
    effect: deny
    roles: ["*"]
    connect: ["127.0.0.0/8:*", "[::1]:*"]
  - name: ops-anywhere
    roles: [ops]
    connect: ["*"]
`,
    );
    // Patterns written in non-canonical spellings, matched against canonical targets.
    allowPolicy = join(tmp.dir, 'allow-loopback.yaml');
    writeFileSync(
      allowPolicy,
      `roles:
  ops: [{ cn: alice }]
rules:
  - name: v4-by-address
    roles: [ops]
    connect: ["127.0.0.1:${v4.port}"]
  - name: v6-by-address
    roles: [ops]
    connect: ["[0:0:0:0:0:0:0:1]:${v6.port}"]
  - name: by-name
    roles: [ops]
    connect: ["LocalHost.:${byName.port}"]
`,
    );
    [denyProxy, allowProxy] = await Promise.all([
      startCli(['proxy', '--dir', tmp.dir, '--listen', '127.0.0.1:0', '--policy', denyPolicy]),
      startCli(['proxy', '--dir', tmp.dir, '--listen', '127.0.0.1:0', '--policy', allowPolicy]),
    ]);
  });

  afterAll(async () => {
    await Promise.all([denyProxy?.stop(), allowProxy?.stop()]);
    await Promise.all([v4?.close(), v6?.close(), byName?.close()]);
    tmp.cleanup();
  });

  // Legacy inet_aton spellings of 127.0.0.1 (and 0 = 0.0.0.0, which reaches this host too): getaddrinfo
  // accepts them all, so none may reach it; the proxy refuses them as malformed.
  const legacyV4 = (port: number) => [
    `2130706433:${port}`,
    `127.1:${port}`,
    `127.0.1:${port}`,
    `0x7f000001:${port}`,
    `0X7F000001:${port}`,
    `0x7f.1:${port}`,
    `0177.0.0.1:${port}`,
    `127.000.000.001:${port}`,
    `017700000001:${port}`,
    `0:${port}`,
    `127.0.0.1.1:${port}`,
  ];

  it('refuses legacy numeric spellings of an IPv4 address with 400, before any lookup or connection', async () => {
    const before = reached();
    for (const target of legacyV4(v4.port)) {
      const answer = await ask(denyProxy, target);
      expect({ target, status: answer.status }).toEqual({ target, status: 400 });
      expect(answer.body).toMatch(/not a canonical IPv4 address|is not a host name/);
    }
    expect((await ask(denyProxy, `127.1:${v4.port}`)).body).toContain(
      '"127.1" is not a canonical IPv4 address (it would mean 127.0.0.1): write the address as four decimal numbers, e.g. 127.0.0.1',
    );
    expect(reached()).toBe(before);
  });

  it('refuses malformed targets with 400: userinfo, percent-encoding, zone ids, bad ports, empty or oversized hosts, the unspecified address', async () => {
    const p = v4.port;
    const malformed = [
      `alice@127.0.0.1:${p}`,
      `%31%32%37.0.0.1:${p}`,
      `[::1%25lo]:${v6.port}`,
      `[fe80::1%lo]:${v6.port}`,
      `[127.0.0.1]:${p}`,
      `[v1.fe]:${p}`,
      `127.0.0.1:0${p}`,
      `127.0.0.1:+${p}`,
      `127.0.0.1:0x50`,
      `127.0.0.1:65536`,
      `127.0.0.1:0`,
      `127.0.0.1:`,
      `:${p}`,
      `localhost..:${p}`,
      `.localhost:${p}`,
      `-localhost:${p}`,
      `${'a'.repeat(64)}.example:${p}`,
      `${'abcdefghi.'.repeat(26)}example:${p}`,
      `0.0.0.0:${p}`,
      `[::]:${v6.port}`,
      `[::ffff:0.0.0.0]:${p}`,
      `127.0.0.1:${p}/x`,
    ];
    const before = reached();
    for (const target of malformed) expect({ target, status: (await ask(denyProxy, target)).status }).toEqual({ target, status: 400 });
    expect(reached()).toBe(before);
  });

  it('a deny on 127.0.0.0/8 and [::1] catches every other spelling of those addresses, and names that resolve to them (403)', async () => {
    const denied = [
      `127.0.0.1:${v4.port}`,
      `127.0.0.2:${v4.port}`,
      `[::ffff:127.0.0.1]:${v4.port}`,
      `[::FFFF:7f00:1]:${v4.port}`,
      `[0:0:0:0:0:ffff:7f00:0001]:${v4.port}`,
      `[::1]:${v6.port}`,
      `[0:0:0:0:0:0:0:1]:${v6.port}`,
      `[0000::0001]:${v6.port}`,
      `localhost:${v4.port}`,
      `LOCALHOST:${v4.port}`,
      `localhost.:${v4.port}`,
      `127.0.0.1.:${v4.port}`,
    ];
    const before = reached();
    for (const target of denied) {
      const answer = await ask(denyProxy, target);
      expect({ target, status: answer.status }).toEqual({ target, status: 403 });
      expect(answer.body).toMatch(/denied by rule "no-loopback"/);
    }
    expect(reached()).toBe(before);
    // The 403 for a name says which resolved address the deny rule caught.
    expect((await ask(denyProxy, `LOCALHOST:${v4.port}`)).body).toMatch(
      /^CN=alice \(roles: ops\) may not open a tunnel to localhost:\d+ \(resolves to [^)]*127\.0\.0\.1[^)]*\): denied by rule "no-loopback"/,
    );
    // The audit line names the canonical target and keeps what was asked for.
    const line = await eventually(
      () => logLines(denyProxy.logs()).find((l) => l.event === 'tunnel_refused' && l.requested === `[0:0:0:0:0:0:0:1]:${v6.port}`),
      'the audit line of an expanded IPv6 spelling',
    );
    expect(line).toMatchObject({ target: `[::1]:${v6.port}`, status: 403, rule: 'no-loopback' });
  });

  it('an allow rule allows every spelling of what it names, written in any spelling itself, and connects to exactly the decided address', async () => {
    const allowed = [
      `127.0.0.1:${v4.port}`,
      `[::ffff:127.0.0.1]:${v4.port}`,
      `[::ffff:7f00:1]:${v4.port}`,
      `localhost:${v4.port}`, // a name allowed by the address it resolves to
      `[::1]:${v6.port}`,
      `[0::1]:${v6.port}`,
      `[0000:0000:0000:0000:0000:0000:0000:0001]:${v6.port}`,
      `localhost:${byName.port}`, // a name allowed by a name rule (written "LocalHost.")
      `LOCALHOST:${byName.port}`,
      `localhost.:${byName.port}`,
    ];
    for (const target of allowed) {
      const answer = await ask(allowProxy, target);
      expect({ target, status: answer.status, body: answer.body }).toEqual({ target, status: 200, body: '' });
      expect(await echoThrough(answer.socket, `via ${target}`)).toBe(`via ${target}`);
      answer.socket.destroy();
    }
  });

  it('an allow rule does not stretch to other targets: a name rule does not allow the address, nor another port; legacy spellings stay refused', async () => {
    expect((await ask(allowProxy, `127.0.0.1:${byName.port}`)).status).toBe(403);
    expect((await ask(allowProxy, `127.0.0.1:${v6.port}`)).status).toBe(403);
    expect((await ask(allowProxy, `[::1]:${v4.port}`)).status).toBe(403);
    for (const target of legacyV4(v4.port).slice(0, 4))
      expect({ target, status: (await ask(allowProxy, target)).status }).toEqual({ target, status: 400 });
  });

  it('certrpc policy explain --connect decides each spelling as the proxy does (400 = usage error 2, 403 = 71, 200 = 0)', async () => {
    const cases: [string, string, number][] = [
      [denyPolicy, `2130706433:${v4.port}`, 400],
      [denyPolicy, `0x7f000001:${v4.port}`, 400],
      [denyPolicy, `0:${v4.port}`, 400],
      [denyPolicy, `[::ffff:127.0.0.1]:${v4.port}`, 403],
      [denyPolicy, `[0:0:0:0:0:0:0:1]:${v6.port}`, 403],
      [denyPolicy, `localhost.:${v4.port}`, 403],
      [allowPolicy, `[::ffff:7f00:1]:${v4.port}`, 200],
      [allowPolicy, `LOCALHOST:${byName.port}`, 200],
      [allowPolicy, `localhost:${v4.port}`, 200],
      [allowPolicy, `127.0.0.1:${byName.port}`, 403],
      [allowPolicy, `127.1:${v4.port}`, 400],
    ];
    const exitFor: Record<number, number> = { 400: 2, 403: 71, 200: 0 };
    for (const [policy, target, status] of cases) {
      const [explained, proxied] = await Promise.all([
        runCli(['policy', 'explain', policy, '--cn', 'alice', '--connect', target, '--json']),
        ask(policy === denyPolicy ? denyProxy : allowProxy, target),
      ]);
      proxied.socket.destroy();
      expect({ target, proxy: proxied.status, explain: explained.code }).toEqual({ target, proxy: status, explain: exitFor[status] });
    }
    const named = JSON.parse(
      (await runCli(['policy', 'explain', denyPolicy, '--cn', 'alice', '--connect', `LOCALHOST:${v4.port}`, '--json'])).stdout,
    );
    expect(named).toMatchObject({ decision: 'deny', connect: `localhost:${v4.port}`, rule: 'no-loopback' });
    expect(named.addresses).toContain('127.0.0.1');
  });
});

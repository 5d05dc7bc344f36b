// The caller's address in the proxy's tunnel audit lines is written the one way certrpc writes a
// peer (tls/peer-address.ts): an IPv4 caller on a dual-stack listener is "127.0.0.1:P", not
// "::ffff:127.0.0.1:P", and an IPv6 caller is "[::1]:P", whose port cannot be read as part of it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PkiDir } from '../../src/store/pki-dir';
import { RunningServer, runCli, startCli } from '../helpers/cli';
import { eventually, logLines } from '../helpers/eventually';
import { clientTls, demoPki } from '../helpers/pki';
import { echoTarget, EchoTarget, rawConnect } from '../helpers/proxy-connect';
import { tempDir } from '../helpers/temp-dir';

describe('certrpc proxy: caller addresses in audit lines', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  let target: EchoTarget;
  let proxy: RunningServer;

  beforeAll(async () => {
    pki = await demoPki(tmp.dir);
    expect(
      (await runCli(['cert', 'issue', 'proxy', '--server', '--san', 'DNS:localhost,IP:127.0.0.1,IP:::1', '--dir', tmp.dir])).code,
    ).toBe(0);
    target = await echoTarget('127.0.0.1');
    const policy = join(tmp.dir, 'policy.yaml');
    writeFileSync(
      policy,
      `roles:\n  ops: [{ cn: alice }]\nrules:\n  - name: ops-echo\n    roles: [ops]\n    connect: ["127.0.0.1:${target.port}"]\n`,
    );
    // "::" takes IPv4 connections too (dual stack): they arrive as ::ffff:127.0.0.1.
    proxy = await startCli(['proxy', '--dir', tmp.dir, '--listen', '[::]:0', '--policy', policy]);
  });
  afterAll(async () => {
    await proxy?.stop();
    await target?.close();
    tmp.cleanup();
  });

  it.each([
    ['an IPv4 caller on a dual-stack listener', '127.0.0.1', (port: number) => `127.0.0.1:${port}`],
    ['an IPv6 caller', '[::1]', (port: number) => `[::1]:${port}`],
  ])('%s is written canonically', async (_what, host, expected) => {
    const answer = await rawConnect(`${host}:${proxy.port}`, clientTls(pki, 'alice'), `127.0.0.1:${target.port}`);
    expect(answer.status).toBe(200);
    const peer = expected(answer.socket.localPort!);
    answer.socket.destroy();
    const opened = await eventually(
      () => logLines(proxy.logs()).find((l) => l.event === 'tunnel_opened' && l.peer === peer),
      `a tunnel_opened line for ${peer}`,
    );
    expect(opened).toMatchObject({ caller: 'CN=alice', target: `127.0.0.1:${target.port}` });
  });
});

// Issue 12, item 8: an open tunnel lives only as long as its permission. A real `certrpc proxy`
// (child process) holds tunnels to a TCP echo target; revoking the caller's certificate (`certrpc
// cert revoke` publishes DIR/crl.pem) or an edit of the policy that removes the permission closes
// exactly the tunnels no longer allowed, audited as tunnel_closed with the reason; the others carry on.
import { X509Certificate } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PkiDir } from '../../src/store/pki-dir';
import { RunningServer, runCli, startCli } from '../helpers/cli';
import { eventually, logLines } from '../helpers/eventually';
import { clientTls, demoPki } from '../helpers/pki';
import { ConnectAnswer, echoTarget, EchoTarget, echoThrough, rawConnect } from '../helpers/proxy-connect';
import { tempDir } from '../helpers/temp-dir';

describe('certrpc proxy: revocation and policy changes close the tunnels they forbid', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  let echo: EchoTarget;
  let proxy: RunningServer;
  let policyFile: string;

  const serialOf = (name: string) => new X509Certificate(readFileSync(pki.certFile(name))).serialNumber.toLowerCase().replace(/^0+/, '');
  const policy = (rules: string) => `roles:\n  ops: [{ cn: alice }]\n  dev: [{ cn: bob }]\nrules:\n${rules}`;
  const rule = (name: string, role: string) => `  - name: ${name}\n    roles: [${role}]\n    connect: ["127.0.0.1:${echo.port}"]\n`;
  /** Atomic, like an editor's save: write beside, rename over. */
  const savePolicy = (text: string) => {
    writeFileSync(`${policyFile}.new`, text);
    renameSync(`${policyFile}.new`, policyFile);
  };
  const open = async (name: string): Promise<ConnectAnswer & { isClosed: () => boolean }> => {
    const answer = await rawConnect(proxy.address, clientTls(pki, name), `127.0.0.1:${echo.port}`);
    expect(answer.status).toBe(200);
    expect(await echoThrough(answer.socket, `${name} says hi`)).toBe(`${name} says hi`);
    let closed = false;
    void answer.closed.then(() => (closed = true));
    return { ...answer, isClosed: () => closed };
  };
  const closedLines = () => logLines(proxy.logs()).filter((l) => l.event === 'tunnel_closed');

  beforeAll(async () => {
    pki = await demoPki(tmp.dir);
    expect((await runCli(['cert', 'issue', 'proxy', '--server', '--san', 'DNS:localhost,IP:127.0.0.1', '--dir', tmp.dir])).code).toBe(0);
    expect((await runCli(['cert', 'issue', 'alice-laptop', '--client', '--cn', 'alice', '--dir', tmp.dir])).code).toBe(0);
    echo = await echoTarget('127.0.0.1');
    policyFile = join(tmp.dir, 'policy.yaml');
    writeFileSync(policyFile, policy(rule('ops-echo', 'ops') + rule('dev-echo', 'dev')));
    proxy = await startCli(['proxy', '--dir', tmp.dir, '--listen', '127.0.0.1:0', '--policy', policyFile]);
  });

  afterAll(async () => {
    await proxy?.stop();
    await echo?.close();
    tmp.cleanup();
  });

  it('revoking a certificate closes its open tunnels (tunnel_closed, reason revoked), and only those', async () => {
    const laptop = await open('alice-laptop');
    const alice = await open('alice');
    expect((await runCli(['cert', 'revoke', 'alice-laptop', '--reason', 'keyCompromise', '--dir', tmp.dir])).code).toBe(0);
    await eventually(() => laptop.isClosed(), 'the revoked certificate’s tunnel to close');
    const line = await eventually(() => closedLines().find((l) => l.serial === serialOf('alice-laptop')), 'the tunnel_closed audit line');
    expect(line).toMatchObject({ reason: 'revoked', cn: 'alice', target: `127.0.0.1:${echo.port}`, address: '127.0.0.1' });
    expect(line.details).toMatch(/^certificate serial [0-9a-f]+ was revoked at \S+ \(keyCompromise\)$/);
    // Same CN, another certificate: untouched, and its tunnel still carries bytes both ways.
    expect(alice.isClosed()).toBe(false);
    expect(await echoThrough(alice.socket, 'still here')).toBe('still here');
    alice.socket.destroy();
    await eventually(
      () => closedLines().find((l) => l.serial === serialOf('alice') && l.reason === 'client_closed'),
      'alice closing her own tunnel',
    );
  });

  it('a policy edit that removes a permission closes the tunnels it allowed (reason policy_changed); tunnels still allowed stay', async () => {
    const alice = await open('alice');
    const bob = await open('bob');
    savePolicy(policy(rule('dev-echo', 'dev')));
    await eventually(() => alice.isClosed(), 'alice’s tunnel to close after the policy edit');
    const line = await eventually(
      () => closedLines().find((l) => l.cn === 'alice' && l.reason === 'policy_changed'),
      'the tunnel_closed audit line',
    );
    expect(line).toMatchObject({ serial: serialOf('alice'), rule: 'ops-echo', target: `127.0.0.1:${echo.port}` });
    expect(line.details).toBe(
      `CN=alice (roles: ops) may not open a tunnel to 127.0.0.1:${echo.port}: tunnels there are allowed for roles dev`,
    );
    expect(bob.isClosed()).toBe(false);
    expect(await echoThrough(bob.socket, 'bob still here')).toBe('bob still here');
    // A new CONNECT is decided by the new policy too.
    expect((await rawConnect(proxy.address, clientTls(pki, 'alice'), `127.0.0.1:${echo.port}`)).status).toBe(403);
    bob.socket.destroy();
  });

  it('a broken policy edit changes nothing: the last good policy keeps deciding, open tunnels stay', async () => {
    const bob = await open('bob');
    savePolicy('roles: [this is not a policy');
    await eventually(
      () => logLines(proxy.logs()).find((l) => l.event === 'reload_refused' && l.what === 'authorization policy'),
      'the refused edit',
    );
    expect(bob.isClosed()).toBe(false);
    expect(await echoThrough(bob.socket, 'unchanged')).toBe('unchanged');
    bob.socket.destroy();
  });
});

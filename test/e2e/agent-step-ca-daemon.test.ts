// Issue 16 item 6, the daemon beside what it serves: `certrpc agent --step-ca` renewing 10 s
// certificates from a real step-ca 0.19 while `certrpc serve` runs on the same files (it serves each
// renewed certificate without a restart), and the agent failing closed against a server at the CA's
// address that answers wrongly (another certificate, not JSON, 503): each answer refused and said
// why, the files in force untouched until the certificate expires, then the agent stops (exit 1).
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { pemBlocks } from '../../src/pki/pem';
import { serialHex } from '../../src/pki/verify';
import { sign } from '../../src/stepca/client';
import { runCli, startCli } from '../helpers/cli';
import { eventuallyAsync, logLines } from '../helpers/eventually';
import { agentEvent, agentOnce, diskState, startAgent } from '../helpers/fleet';
import { describeWhenSupported } from '../helpers/requirements';
import { findStepCa, RunningStepCa, startStepCa } from '../helpers/step-ca';
import { tempDir } from '../helpers/temp-dir';
import { requireTool, run } from '../helpers/tools';

jest.setTimeout(120_000);

const stepCa = findStepCa();
const leafOf = (file: string) => new X509Certificate(pemBlocks(readFileSync(file, 'utf8'))[0]);

/** The serial of the certificate a server presents now, over a real TLS connection with this client identity. */
function servedSerial(address: string, dir: string, name: string): Promise<string> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];

  return new Promise((resolve, reject) => {
    const socket = connect(
      {
        host,
        port,
        ca: readFileSync(join(dir, 'ca.crt')),
        cert: readFileSync(join(dir, `${name}.crt`)),
        key: readFileSync(join(dir, `${name}.key`)),
        ALPNProtocols: ['h2'],
        servername: 'localhost',
      },
      () => {
        const serial = serialHex(new X509Certificate(socket.getPeerCertificate().raw));
        socket.end();
        resolve(serial);
      },
    );
    socket.on('error', reject);
  });
}

describeWhenSupported(stepCa.missing, 'certrpc agent --step-ca, the daemon: serving and failing closed', () => {
  const tmp = tempDir('certrpc-agent-step-ca-daemon-');
  const host = (name: string) => join(tmp.dir, 'hosts', name);
  let short: RunningStepCa;
  const running: { stop(): Promise<unknown> }[] = [];

  beforeAll(async () => {
    requireTool('openssl');
    short = await startStepCa(stepCa.binary!, join(tmp.dir, 'short-ca'), { claims: { defaultTLSCertDuration: '10s' } });
  });
  afterAll(async () => {
    await Promise.all(running.map((r) => r.stop()));
    await short?.stop();
    tmp.cleanup();
  });

  it("certrpc serve on the agent's files serves each renewed certificate without a restart, and calls go on working", async () => {
    const dir = host('srv1');
    const agent = startAgent({
      stepCa: short.url,
      fingerprint: short.fingerprint,
      dir,
      name: 'srv1',
      token: short.token('srv1', ['localhost', '127.0.0.1']),
    });
    running.push(agent);
    const enrolled = await agentEvent(agent, 'enrolled');
    const server = await startCli(['serve', '--dir', dir, '--name', 'srv1', '--port', '0']);
    running.push(server);
    expect(await servedSerial(server.address, dir, 'srv1')).toBe(enrolled.serial);
    for (const n of [1, 2]) {
      const renewed = await agentEvent(agent, 'renewed', n);
      // The server follows its files: the next handshake presents the renewed certificate, same process.
      await eventuallyAsync(
        async () => (await servedSerial(server.address, dir, 'srv1')) === renewed.serial,
        `the server to present renewal #${n}`,
      );
      const call = await runCli(['call', server.address, 'certrpc.v1.Identity/WhoAmI', '--identity', 'srv1', '--dir', dir]);
      expect(call.stderr).toBe('');
      expect(call.code).toBe(0);
      expect(JSON.parse(call.stdout)).toMatchObject({ commonName: 'srv1' });
    }
    expect(server.child.exitCode).toBeNull();
    expect(logLines(agent.logs()).filter((l) => (l.level as number) >= 40)).toEqual([]);
    expect(await agent.stop()).toBe(0);
  });

  it("a server at the CA's address answering wrongly: every renewal is refused and said why, the files stay, and at expiry the agent stops (exit 1)", async () => {
    const dir = host('lie1');
    expect(
      (await agentOnce({ stepCa: short.url, fingerprint: short.fingerprint, dir, name: 'lie1', token: short.token('lie1') })).code,
    ).toBe(0);
    const held = leafOf(join(dir, 'lie1.crt'));
    // A server holding a genuine certificate for 127.0.0.1 from the pinned CA (anyone a token was given to could):
    // the roots it lists are right; its renewals are not.
    const front = await keyAndChain('127.0.0.1', '1h');
    const other = await keyAndChain('lie1', '1h', ['evil.test']); // a genuine certificate, for another key and other names
    const answers = [
      {
        status: 201,
        body: JSON.stringify({ crt: other.leafPem, ca: short.intermediatePem, certChain: [other.leafPem, short.intermediatePem] }),
      },
      { status: 200, body: '<html>maintenance</html>' },
      { status: 503, body: JSON.stringify({ status: 503, message: 'service unavailable' }) },
    ];
    let renewals = 0;
    const liar = createHttpsServer({ cert: front.chainPem, key: front.keyPem }, (req, res) => {
      req.resume();
      if (req.url === '/roots')
        return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ crts: [short.rootPem] }));
      const answer =
        req.url === '/1.0/renew'
          ? answers[Math.min(renewals++, answers.length - 1)]
          : { status: 404, body: '{"status":404,"message":"not found"}' };
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    });
    liar.listen(0, '127.0.0.1');
    await once(liar, 'listening');
    running.push({ stop: () => new Promise((r) => liar.close(r)) });
    const before = diskState(dir);
    const agent = startAgent({
      stepCa: `https://127.0.0.1:${(liar.address() as AddressInfo).port}`,
      fingerprint: short.fingerprint,
      dir,
      name: 'lie1',
    });
    running.push(agent);
    expect(await agent.exited).toBe(1);
    const lines = logLines(agent.logs());
    const failures = lines.filter((l) => l.event === 'renew_failed');
    expect(failures.length).toBeGreaterThanOrEqual(3);
    expect(failures[0]).toMatchObject({
      level: 50,
      problem: expect.stringMatching(
        /step-ca's renewed certificate: "CN=lie1" is for another key than the one this host holds; nothing was written/,
      ),
    });
    expect(failures[1]).toMatchObject({
      level: 50,
      problem: expect.stringMatching(
        /the renewed certificate: step-ca's answer \(HTTP 200\) is not what step-ca sends \(<html>maintenance<\/html>\)/,
      ),
    });
    expect(failures[2]).toMatchObject({
      level: 40,
      problem: expect.stringMatching(/step-ca refused POST \/1\.0\/renew \(HTTP 503: service unavailable\)/),
    }); // busy: worth retrying, a warning
    for (const f of failures)
      expect(f.msg).toContain(`${join(dir, 'lie1.crt')} stays in force until ${new Date(held.validTo).toISOString()}`);
    expect(lines.find((l) => l.event === 'identity_lost')?.msg).toMatch(
      /expired at .* before it could be renewed \(the last try: step-ca refused POST \/1\.0\/renew \(HTTP 503/,
    );
    expect(lines.filter((l) => l.event === 'renewed')).toEqual([]);
    expect(diskState(dir)).toEqual(before);
  });

  /** A key made with openssl and a certificate for it that the real step-ca signs (a token for `sub` and `sans`). */
  async function keyAndChain(sub: string, lifetime: string, sans = [sub]): Promise<{ keyPem: string; leafPem: string; chainPem: string }> {
    const keyFile = join(tmp.dir, `${sub}-${sans.join('_')}.key`);
    const openssl = requireTool('openssl');
    await run(openssl, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyFile]);
    const csr = await run(openssl, [
      'req',
      '-new',
      '-key',
      keyFile,
      '-subj',
      `/CN=${sub}`,
      '-addext',
      `subjectAltName=${sans.map((s) => (/^[\d.]+$/.test(s) ? `IP:${s}` : `DNS:${s}`)).join(',')}`,
    ]);
    const issued = await sign(short.url, short.rootPem, csr.stdout, short.token(sub, sans), { lifetime });
    return { keyPem: readFileSync(keyFile, 'utf8'), leafPem: issued.certPem, chainPem: issued.chainPem };
  }
});

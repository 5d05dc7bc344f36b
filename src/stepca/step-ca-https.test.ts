// The transport to step-ca against a hostile server: one whose words hold terminal controls, and one
// that answers but never finishes: a few bytes at a time, each before the idle timer runs out. Node's request timeout is an idle timeout (it starts
// again on every byte), so only a deadline for the whole exchange ends it.
import { createServer, Server } from 'node:https';
import { AddressInfo } from 'node:net';
import { opensslSelfSigned } from '../../test/helpers/openssl-pki';
import { tempDir } from '../../test/helpers/temp-dir';
import { callStepCa } from './step-ca-https';
import { StepCaError } from './step-ca-error';

describe('callStepCa against a hostile server', () => {
  const tmp = tempDir();
  let server: Server;
  let url: string;
  let rootPem: string;
  const drips = new Set<NodeJS.Timeout>();

  beforeAll(async () => {
    const slow = opensslSelfSigned(tmp.dir, 'slow', '/CN=slow', {
      addext: ['subjectAltName=IP:127.0.0.1', 'basicConstraints=critical,CA:TRUE'],
    });
    rootPem = slow.certPem;
    server = createServer({ key: slow.keyPem, cert: rootPem }, (req, res) => {
      if (req.url === '/shout') {
        res.writeHead(500, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ status: 500, message: 'boom \u001b[2J\u001b[H\u009b31m\u202eforged\nline' }));
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"crts": [');
      // One space every 20 ms, forever: never idle for long, never done.
      const drip = setInterval(() => res.write(' '), 20);
      drips.add(drip);
      res.on('close', () => {
        clearInterval(drip);
        drips.delete(drip);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const drip of drips) clearInterval(drip);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    tmp.cleanup();
  });

  it.each([
    ['unverified (first contact, any server may answer)', 'unverified' as const],
    ['verified by the pinned root', 'pinned' as const],
  ])('gives up at timeoutMs for the whole answer: %s', async (_what, trust) => {
    const answer = callStepCa({
      url,
      method: 'GET',
      path: '/roots',
      trust: trust === 'unverified' ? 'unverified' : { rootPem },
      timeoutMs: 300,
    });
    await expect(answer).rejects.toBeInstanceOf(StepCaError);
    await expect(answer).rejects.toMatchObject({ reason: 'unreachable', message: expect.stringContaining('STEP_CA_TIMEOUT') });
  });

  it("step-ca's words (any server's, on first contact) come back escaped: they are printed and logged", async () => {
    const answer = await callStepCa({ url, method: 'GET', path: '/shout', trust: 'unverified' });
    expect(answer).toMatchObject({ status: 500, message: 'boom \\x1b[2J\\x1b[H\\x9b31m\\u202eforged\\nline' });
  });
});

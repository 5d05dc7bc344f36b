// Issue 12, item 7 (resolution): a ConnectProxy on 127.0.0.1 port 0 resolves a target's name ONCE,
// decides on the name and every address, and connects to exactly an address it decided on. The
// resolver is the one thing replaced here (a DNS server that answers differently on each question:
// the rebinding attack); TLS, HTTP and the tunnels are real.
import { readFileSync } from 'node:fs';
import { CompiledPolicy } from '../../src/authz/compiled-policy';
import { decideConnect } from '../../src/authz/connect-rules';
import { parsePolicy } from '../../src/authz/policy-file';
import { ConnectProxy } from '../../src/proxy/connect-proxy';
import { PkiDir } from '../../src/store/pki-dir';
import { clientTls, demoPki, issue } from '../helpers/pki';
import { echoTarget, EchoTarget, echoThrough, rawConnect } from '../helpers/proxy-connect';
import { tempDir } from '../helpers/temp-dir';

const POLICY = `
roles:
  ops: [{ cn: alice }]
rules:
  - name: no-second-loopback
    effect: deny
    roles: ["*"]
    connect: ["127.0.0.2/32:*"]
  - name: ops-test-names
    roles: [ops]
    connect: ["*.test:*"]
`;

describe('ConnectProxy: one resolution per CONNECT, and the tunnel goes where the decision said', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  let proxy: ConnectProxy;
  let address: string;
  let allowed: EchoTarget; // 127.0.0.1:P
  let denied: EchoTarget; // 127.0.0.2:P, the same port
  const questions: string[] = [];
  const answers = new Map<string, () => string[]>();
  let policy: CompiledPolicy; // compiled in beforeAll: a policy that fails to compile fails the tests, not the file load

  beforeAll(async () => {
    policy = new CompiledPolicy(parsePolicy(POLICY, 'policy.yaml'));
    pki = await demoPki(tmp.dir);
    await issue(pki, 'proxy', { profile: 'server', commonName: 'proxy', san: 'DNS:localhost,IP:127.0.0.1' });
    allowed = await echoTarget('127.0.0.1');
    denied = await echoTarget('127.0.0.2');
    await new Promise<void>((resolve, reject) => {
      denied.server.close(() => {
        denied.server.once('error', reject);
        denied.server.listen(allowed.port, '127.0.0.2', () => resolve());
      });
    });
    let rebindCalls = 0;
    answers.set('rebind.test', () => (rebindCalls++ === 0 ? ['127.0.0.1'] : ['127.0.0.2']));
    answers.set('mapped.test', () => ['::ffff:127.0.0.2']);
    answers.set('mixed.test', () => ['127.0.0.1', '127.0.0.2']);
    answers.set('zero.test', () => ['0.0.0.0']);
    proxy = new ConnectProxy({
      tls: {
        certPem: readFileSync(pki.certFile('proxy'), 'utf8'),
        keyPem: readFileSync(pki.keyFile('proxy'), 'utf8'),
        clientCaPem: readFileSync(pki.caCertFile, 'utf8'),
      },
      authorize: (identity, target, addresses) => decideConnect(policy, identity, target, addresses),
      lookup: async (name) => {
        questions.push(name);
        const answer = answers.get(name);
        if (!answer) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
        return answer();
      },
    });
    address = `127.0.0.1:${(await proxy.listen('127.0.0.1', 0)).port}`;
  });

  afterAll(async () => {
    await proxy?.close(0);
    await Promise.all([allowed?.close(), denied?.close()]);
    tmp.cleanup();
  });

  const ask = (target: string, who = 'alice') => rawConnect(address, clientTls(pki, who), target);

  it('resolves once and connects to the address it decided on, whatever the resolver says afterwards (DNS rebinding)', async () => {
    questions.length = 0;
    const answer = await ask(`Rebind.TEST.:${allowed.port}`);
    expect(answer.status).toBe(200);
    expect(await echoThrough(answer.socket, 'hello')).toBe('hello');
    answer.socket.destroy();
    expect(questions).toEqual(['rebind.test']);
    expect(allowed.connections()).toBe(1);
    expect(denied.connections()).toBe(0);
    // The second question gets the denied address: decided on it, refused.
    expect((await ask(`rebind.test:${allowed.port}`)).status).toBe(403);
    expect(denied.connections()).toBe(0);
  });

  it('denies a name if any of its addresses is denied, in any spelling the resolver uses; and never the unspecified address', async () => {
    for (const name of ['mapped.test', 'mixed.test', 'zero.test']) {
      const answer = await ask(`${name}:${allowed.port}`);
      expect({ name, status: answer.status }).toEqual({ name, status: 403 });
    }
    expect(denied.connections()).toBe(0);
  });

  it('asks DNS nothing when no rule could allow the caller that name, by name or by address', async () => {
    questions.length = 0;
    expect((await ask(`rebind.test:${allowed.port}`, 'bob')).status).toBe(403);
    expect((await ask(`secret.internal:${allowed.port}`)).status).toBe(403);
    expect(questions).toEqual([]);
  });

  it('an allowed name that does not resolve gets 502 dns_error', async () => {
    const answer = await ask(`nowhere.test:${allowed.port}`);
    expect(answer.status).toBe(502);
    expect(answer.head).toContain('error=dns_error');
  });
});

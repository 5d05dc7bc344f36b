// "Logs never hold a metadata value": secrets sent as metadata on calls that are allowed, denied by
// role, denied by a header condition (the secret being the header's value), over the metadata
// limit, or not even legal metadata, must appear nowhere in what `certrpc serve` writes: its log
// at the most verbose level, with grpc-js's own diagnostics and traces (GRPC_TRACE=all) routed into
// it, and its audit file. Checked for the value as sent, in base64 (how -bin values travel) and hex.
import { Metadata, status } from '@grpc/grpc-js';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PkiDir } from '../../src/store/pki-dir';
import { demoClients, grpcError, unary } from '../helpers/calls';
import { RunningServer, startCli } from '../helpers/cli';
import { eventually } from '../helpers/eventually';
import { clientTls, demoPki } from '../helpers/pki';
import { grpcFrame, rawGrpcCall } from '../helpers/raw-grpc';
import { tempDir } from '../helpers/temp-dir';

const POLICY = `version: 1
name: secrecy
audit:
  log: all
roles:
  admin:
    - cn: alice
rules:
  - name: tenants
    roles: [admin]
    methods: [/demo.v1.KeyValue/Get, /demo.v1.KeyValue/Put, /demo.v1.Echo/Say]
    headers:
      x-tenant: acme
  - name: whoami
    roles: ["*"]
    methods: [/certrpc.v1.Identity/WhoAmI]
`;

/** Every form a secret could take in a log line. */
function forms(secret: string): string[] {
  const bytes = Buffer.from(secret);
  return [secret, bytes.toString('base64').replace(/=+$/, ''), bytes.toString('hex'), bytes.toString('hex').toUpperCase()];
}

describe('metadata values never reach the logs', () => {
  const tmp = tempDir();
  const secrets: string[] = [];
  const secret = (what: string) => {
    const s = `${what}-${randomBytes(12).toString('hex')}`;
    secrets.push(s);
    return s;
  };
  let server: RunningServer;
  let pki: PkiDir;
  let auditFile: string;
  let alice: ReturnType<typeof demoClients>;
  let bob: ReturnType<typeof demoClients>;

  beforeAll(async () => {
    pki = await demoPki(join(tmp.dir, 'certs'));
    writeFileSync(join(tmp.dir, 'policy.yaml'), POLICY);
    auditFile = join(tmp.dir, 'audit.log');
    server = await startCli(
      [
        'serve',
        '--demo',
        '--dir',
        pki.dir,
        '--port',
        '0',
        '--policy',
        join(tmp.dir, 'policy.yaml'),
        '--audit-file',
        auditFile,
        '--log-level',
        'trace',
        '--limit',
        'maxMetadataBytes=2KiB',
      ],
      { env: { GRPC_TRACE: 'all', GRPC_VERBOSITY: 'DEBUG' } },
    );
    alice = demoClients(server.address, clientTls(pki, 'alice'), 'localhost');
    bob = demoClients(server.address, clientTls(pki, 'bob'), 'localhost');
  });
  afterAll(async () => {
    alice?.close();
    bob?.close();
    await server?.stop();
    tmp.cleanup();
  });

  const md = (pairs: Record<string, string | Buffer>) => {
    const m = new Metadata();
    for (const [k, v] of Object.entries(pairs)) m.set(k, v);
    return m;
  };

  it('makes the calls: allowed, denied by role, denied by header value, over the metadata limit, illegal', async () => {
    await unary(
      alice.kv,
      alice.kv.get,
      { key: 'k' },
      md({ 'x-tenant': 'acme', authorization: `Bearer ${secret('bearer')}`, 'x-token-bin': Buffer.from(secret('binary')) }),
    );
    expect(
      (await grpcError(unary(bob.kv, bob.kv.put, { key: 'k', value: 'v' }, md({ 'x-tenant': 'acme', 'x-api-key': secret('api-key') }))))
        .code,
    ).toBe(status.PERMISSION_DENIED);
    const byHeader = await grpcError(unary(alice.kv, alice.kv.get, { key: 'k' }, md({ 'x-tenant': secret('tenant') })));
    expect(byHeader.code).toBe(status.PERMISSION_DENIED);
    expect(byHeader.details).toContain('x-tenant'); // the denial names the header, not what was sent
    const big = await grpcError(
      unary(alice.kv, alice.kv.get, { key: 'k' }, md({ 'x-tenant': 'acme', 'x-big': `${secret('big')}${'a'.repeat(4096)}` })),
    );
    expect(big.code).toBe(status.RESOURCE_EXHAUSTED);
    // Not legal in grpc-js's eyes (a non-ASCII byte): dropped with a diagnostic, which must not quote the value.
    const illegal = await rawGrpcCall(
      server.address,
      clientTls(pki, 'alice'),
      '/demo.v1.Echo/Say',
      grpcFrame(Buffer.from('0a0568656c6c6f', 'hex')),
      { 'x-tenant': 'acme', 'x-latin1': `caf\xe9-${secret('latin1')}` },
    );
    expect(illegal).toMatchObject({ httpStatus: 200, grpcStatus: status.OK });
    await eventually(
      () => server.logs().includes('Failed to add metadata entry x-latin1: [value withheld]'),
      "grpc-js's diagnostic, routed into the log",
    );
  });

  it('finds none of them in the server log (trace level) or the audit file', async () => {
    // The audit lines of the calls above are there (the file is not empty by accident).
    // Written behind the calls (within the sink's maxDelayMs): wait for them.
    const audit = await eventually(() => {
      const text = readFileSync(auditFile, 'utf8');
      return text.split('\n').filter(Boolean).length >= 5 && text;
    }, 'the audit lines of the calls above');
    // grpc-js's traces of the header blocks are there too, their values withheld (names kept).
    expect(server.logs()).toMatch(/received headers \{[^}]*\\"authorization\\":\\"\[withheld\]\\"/);
    const texts = { log: server.logs(), stdout: server.output(), audit };
    const found = Object.entries(texts).flatMap(([where, text]) =>
      secrets.flatMap((s) =>
        forms(s)
          .filter((f) => text.includes(f))
          .map((f) => `${where}: ${f}`),
      ),
    );
    expect(found).toEqual([]);
    expect(secrets).toHaveLength(6);
  });
});

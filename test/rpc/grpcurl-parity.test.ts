// Issue 15, item 4: call, list and describe at grpcurl parity. Every flag and form against real
// servers (`certrpc serve --demo`, with and without reflection), the CLI as child processes, exit
// codes checked: method names in grpcurl's three forms, --max-msg-sz, --format-error, --protoset
// and --protoset-out, --allow-unknown-fields, --format text, "did you mean", --plaintext/--insecure.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { runCli, RunningServer, startCli } from '../helpers/cli';
import { demoPki } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';

const ROOT = join(__dirname, '..', '..');
const POLICY = join(ROOT, 'policy.yaml');
const PYTHON = process.env.CERTRPC_TEST_PYTHON ?? '/usr/bin/python3';
const MiB = 1024 * 1024;
const RS = '\x1e';

// Several CLI processes per test: on a loaded 2-core machine each can take seconds to start.
jest.setTimeout(120_000);

describe('call, list and describe at grpcurl parity', () => {
  const tmp = tempDir();
  const dir = join(tmp.dir, 'certs');
  let reflecting: RunningServer;
  let bare: RunningServer; // --no-reflection
  const certrpc = (args: string[], input?: string) => runCli(args, { input, env: { CERTRPC_DIR: dir }, cwd: tmp.dir, timeoutMs: 60_000 });
  /** `certrpc call ADDRESS METHOD --identity bob ...rest` (bob: the demo's reader). */
  const callAsBob = (address: string, method: string, ...rest: string[]) =>
    certrpc(['call', address, method, '--identity', 'bob', ...rest]);
  const file = (name: string) => join(tmp.dir, name);

  beforeAll(async () => {
    await demoPki(dir);
    const serve = ['serve', '--demo', '--port', '0', '--dir', dir, '--policy', POLICY, '--audit', 'none', '--log-level', 'warn'];
    [reflecting, bare] = await Promise.all([startCli(serve), startCli([...serve, '--no-reflection'])]);
  });
  afterAll(async () => {
    await Promise.all([reflecting?.stop(), bare?.stop()]);
    tmp.cleanup();
  });

  describe('method names', () => {
    it.each(['demo.v1.Echo/Say', '/demo.v1.Echo/Say', 'demo.v1.Echo.Say', '.demo.v1.Echo.Say'])('call takes %s', async (name) => {
      const r = await callAsBob(reflecting.address, name, '-d', '{"message":"hi"}');
      expect(r).toMatchObject({ code: 0, stdout: '{"message":"hi"}\n' });
    });

    it.each(['demo.v1.Echo//Say', '/demo.v1.Echo.Say', 'demo.v1.Echo/Say/x', 'Say', 'demo.v1.Echo/ Say', '/Say'])(
      'call refuses %s as a usage error (exit 2)',
      async (name) => {
        const r = await callAsBob(reflecting.address, name);
        expect(r.code).toBe(2);
        expect(r.stderr).toContain(`bad method "${name}"\n  fix: write pkg.Service/Method, /pkg.Service/Method or pkg.Service.Method`);
      },
    );

    it('describe takes the same forms, and list a service with a leading dot', async () => {
      for (const name of ['demo.v1.KeyValue/Put', '/demo.v1.KeyValue/Put', 'demo.v1.KeyValue.Put']) {
        const r = await certrpc(['describe', reflecting.address, name, '--identity', 'alice']);
        expect(r.code).toBe(0);
        expect(r.stdout).toMatch(
          /^\/\/ demo\.v1\.KeyValue\.Put is a method \(unary\):\nrpc Put\(\.demo\.v1\.PutRequest\) returns \(\.demo\.v1\.PutResponse\);/,
        );
      }
      for (const [verb, bad] of [
        ['describe', 'demo.v1.KeyValue//Put'],
        ['describe', 'a b'],
        ['list', 'demo.v1.KeyValue/Put'],
        ['list', '/demo.v1.KeyValue'],
      ]) {
        const r = await certrpc([verb, reflecting.address, bad, '--identity', 'alice']);
        expect({ verb, bad, code: r.code }).toEqual({ verb, bad, code: 2 });
        expect(r.stderr).toContain(`bad ${verb === 'list' ? 'service' : 'symbol'} "${bad}"`);
      }
      const list = await certrpc(['list', reflecting.address, '.demo.v1.KeyValue', '--identity', 'bob']);
      expect(list).toMatchObject({
        code: 0,
        stdout: 'demo.v1.KeyValue.Get\ndemo.v1.KeyValue.Put\ndemo.v1.KeyValue.Delete\ndemo.v1.KeyValue.Watch\n',
      });
    });
  });

  describe('--max-msg-sz', () => {
    // demo.v1.Echo/Repeat pads each answer to size_bytes (at most 4 MiB) of payload.
    const repeat = (size: number, ...flags: string[]) =>
      certrpc([
        'call',
        reflecting.address,
        'demo.v1.Echo/Repeat',
        '--identity',
        'alice',
        '-d',
        `{"message":"x","repeat":1,"sizeBytes":${size}}`,
        ...flags,
      ]);

    it('defaults to 4 MiB, as grpcurl: a 4 MiB payload (plus its framing) is refused, RESOURCE_EXHAUSTED exit 72, with the flag to raise it', async () => {
      const under = await repeat(4 * MiB - 64);
      expect(under.code).toBe(0);
      expect(JSON.parse(under.stdout).message).toHaveLength(4 * MiB - 64);
      const over = await repeat(4 * MiB);
      expect(over.code).toBe(72);
      expect(over.stdout).toBe('');
      expect(over.stderr).toMatch(/^certrpc: RESOURCE_EXHAUSTED \(8\): .*larger than max/);
      expect(over.stderr).toContain(`fix: accept larger messages with --max-msg-sz BYTES (now ${4 * MiB}), e.g. --max-msg-sz 16MiB`);
      const raised = await repeat(4 * MiB, '--max-msg-sz', String(5 * MiB));
      expect(raised.code).toBe(0);
      expect(JSON.parse(raised.stdout).message).toHaveLength(4 * MiB);
    });

    it('takes bytes or a size with a unit; anything else is a usage error', async () => {
      expect((await repeat(3000, '--max-msg-sz', '4KiB')).code).toBe(0);
      const over = await repeat(5000, '--max-msg-sz', '4KiB');
      expect(over.code).toBe(72);
      expect(over.stderr).toContain('(now 4096)');
      for (const bad of ['0', 'lots', '-1', '3GiB']) {
        const r = await repeat(10, '--max-msg-sz', bad);
        expect(r.code).toBe(2);
        expect(r.stderr).toContain(`bad --max-msg-sz "${bad}"`);
      }
    });
  });

  describe('--format-error', () => {
    it('prints the status as one JSON object on stderr (code, name, message, details), exit 64+N', async () => {
      const r = await callAsBob(reflecting.address, 'demo.v1.KeyValue/Put', '-d', '{"key":"k","value":"v"}', '--format-error');
      expect(r.code).toBe(71);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(JSON.parse(r.stderr)).toEqual({
        code: 7,
        name: 'PERMISSION_DENIED',
        message: 'CN=bob (roles: reader) may not call /demo.v1.KeyValue/Put: allowed roles are admin',
        details: [],
      });
    });

    it('applies to list and describe too: no reflection is UNIMPLEMENTED as JSON, exit 76', async () => {
      for (const verb of ['list', 'describe']) {
        const r = await certrpc([verb, bare.address, '--identity', 'alice', '--format-error']);
        expect(r.code).toBe(76);
        expect(JSON.parse(r.stderr)).toMatchObject({ code: 12, name: 'UNIMPLEMENTED' });
      }
    });
  });

  describe('--protoset and --protoset-out', () => {
    it('list --protoset-out writes a FileDescriptorSet from reflection; --protoset then calls, lists and describes a server without reflection', async () => {
      const r = await certrpc(['list', reflecting.address, '--identity', 'alice', '--protoset-out', 'all.protoset']);
      expect(r.code).toBe(0);
      const set = fromBinary(FileDescriptorSetSchema, readFileSync(file('all.protoset')));
      const declared = set.file.flatMap((f) => f.service.map((s) => `${f.package}.${s.name}`));
      expect(declared).toEqual(
        expect.arrayContaining(['demo.v1.KeyValue', 'demo.v1.Echo', 'certrpc.v1.Identity', 'grpc.health.v1.Health']),
      );
      // Imports come before the files that import them, as protoc writes them.
      const names = set.file.map((f) => f.name);
      for (const [i, f] of set.file.entries()) for (const dep of f.dependency) expect(names.indexOf(dep)).toBeLessThan(i);

      const withSet = ['--identity', 'alice', '--protoset', 'all.protoset'];
      expect((await certrpc(['list', bare.address, '--identity', 'alice'])).code).toBe(76); // no reflection there
      const list = await certrpc(['list', bare.address, ...withSet]);
      expect(list.code).toBe(0);
      expect(list.stdout.split('\n')).toEqual(expect.arrayContaining(['demo.v1.Echo', 'demo.v1.KeyValue']));
      expect(
        (await certrpc(['call', bare.address, 'demo.v1.KeyValue/Put', ...withSet, '-d', '{"key":"set","value":"from a protoset"}'])).code,
      ).toBe(0);
      const get = await certrpc(['call', bare.address, 'demo.v1.KeyValue/Get', ...withSet, '-d', '{"key":"set"}']);
      expect(JSON.parse(get.stdout)).toEqual({ key: 'set', value: 'from a protoset', found: true });
      const describe = await certrpc(['describe', bare.address, 'demo.v1.SayResponse', ...withSet]);
      expect(describe.stdout).toBe(
        '// demo.v1.SayResponse is a message:\nmessage SayResponse {\n  string message = 1;\n  uint32 index = 2;\n}\n',
      );
    });

    it('call and describe --protoset-out write the files of the method or symbol; list SERVICE of the service', async () => {
      const call = await callAsBob(reflecting.address, 'demo.v1.Echo/Say', '-d', '{"message":"m"}', '--protoset-out', 'say.protoset');
      expect(call).toMatchObject({ code: 0, stdout: '{"message":"m"}\n' });
      const said = await callAsBob(bare.address, 'demo.v1.Echo/Say', '--protoset', 'say.protoset', '-d', '{"message":"again"}');
      expect(said).toMatchObject({ code: 0, stdout: '{"message":"again"}\n' });
      expect(
        (
          await certrpc([
            'describe',
            reflecting.address,
            'certrpc.v1.WhoAmIResponse',
            '--identity',
            'bob',
            '--protoset-out',
            'whoami.protoset',
          ])
        ).code,
      ).toBe(0);
      const whoami = fromBinary(FileDescriptorSetSchema, readFileSync(file('whoami.protoset')));
      expect(whoami.file.flatMap((f) => f.messageType.map((m) => `${f.package}.${m.name}`))).toContain('certrpc.v1.WhoAmIResponse');
      expect(
        (await certrpc(['list', reflecting.address, 'grpc.health.v1.Health', '--identity', 'bob', '--protoset-out', 'health.protoset']))
          .code,
      ).toBe(0);
      const health = fromBinary(FileDescriptorSetSchema, readFileSync(file('health.protoset')));
      expect(health.file.flatMap((f) => f.service.map((s) => `${f.package}.${s.name}`))).toEqual(['grpc.health.v1.Health']);
    });

    it('a descriptor set protoc wrote (--include_imports) works too', async () => {
      const protoc = spawnSync(
        PYTHON,
        [
          '-m',
          'grpc_tools.protoc',
          '-I',
          join(ROOT, 'proto'),
          '--include_imports',
          `--descriptor_set_out=${file('protoc.protoset')}`,
          'demo/v1/kv.proto',
          'demo/v1/echo.proto',
        ],
        { encoding: 'utf8' },
      );
      if (protoc.status !== 0)
        throw new Error(`this test needs grpc_tools.protoc in ${PYTHON} (apt-get install -y python3-grpc-tools): ${protoc.stderr}`);
      const chat = await certrpc(
        ['call', bare.address, 'demo.v1.Echo/Chat', '--identity', 'alice', '--protoset', 'protoc.protoset', '-d', '@-'],
        '{"message":"a"}\n{"message":"b"}\n',
      );
      expect(chat).toMatchObject({ code: 0, stdout: '{"message":"a"}\n{"message":"b","index":1}\n' });
      const describe = await certrpc([
        'describe',
        bare.address,
        'demo.v1.KeyValue',
        '--identity',
        'alice',
        '--protoset',
        'protoc.protoset',
      ]);
      expect(describe.stdout).toContain('rpc Watch(.demo.v1.WatchRequest) returns (stream .demo.v1.Change);');
    });

    it('refuses to replace an existing --protoset-out file before connecting, unless --force', async () => {
      writeFileSync(file('kept.protoset'), 'keep me');
      const r = await certrpc(['list', reflecting.address, '--identity', 'alice', '--protoset-out', 'kept.protoset']);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        `certrpc: kept.protoset: already exists; nothing was written\n  fix: pass --force to replace it, or choose another name\n`,
      );
      expect(readFileSync(file('kept.protoset'), 'utf8')).toBe('keep me');
      const forced = await certrpc(['list', reflecting.address, '--identity', 'alice', '--protoset-out', 'kept.protoset', '--force']);
      expect(forced.code).toBe(0);
      expect(fromBinary(FileDescriptorSetSchema, readFileSync(file('kept.protoset'))).file.length).toBeGreaterThan(0);
      expect(statSync(file('kept.protoset')).mode & 0o777).toBe(0o644);
    });

    it('bad --protoset input: a file that is no descriptor set or is missing exits 1 naming it; with --proto, or --force alone, exits 2', async () => {
      writeFileSync(file('not.protoset'), '{"this": "is JSON"}');
      const notSet = await callAsBob(bare.address, 'demo.v1.Echo/Say', '--protoset', 'not.protoset');
      expect(notSet.code).toBe(1);
      expect(notSet.stderr).toMatch(
        /^certrpc: not\.protoset: not a FileDescriptorSet \(binary google\.protobuf\.FileDescriptorSet\): .*\n {2}fix: write one with protoc --include_imports --descriptor_set_out=FILE x\.proto, or with certrpc list ADDR --protoset-out FILE/,
      );
      const missing = await callAsBob(bare.address, 'demo.v1.Echo/Say', '--protoset', 'nowhere.protoset');
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('certrpc: nowhere.protoset: descriptor set not found\n  fix: check --protoset, or create it first');
      const both = await callAsBob(bare.address, 'demo.v1.Echo/Say', '--protoset', 'say.protoset', '--proto', 'demo/v1/echo.proto');
      expect(both.code).toBe(2);
      expect(both.stderr).toContain('--proto and --protoset both give the schema');
      expect((await certrpc(['list', bare.address, '--identity', 'bob', '--force'])).code).toBe(2);
      expect(existsSync(file('nowhere.protoset'))).toBe(false);
    });
  });

  describe('--allow-unknown-fields', () => {
    it('a request field the type lacks is refused (exit 2) without it and ignored with it', async () => {
      const args = ['call', reflecting.address, 'demo.v1.Echo/Say', '--identity', 'bob', '-d', '{"message":"m","fromTheFuture":1}'];
      const refused = await certrpc(args);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/is not a valid demo\.v1\.SayRequest: .*fromTheFuture/);
      expect(await certrpc([...args, '--allow-unknown-fields'])).toMatchObject({ code: 0, stdout: '{"message":"m"}\n' });
    });
  });

  it('responses are JSON with what JSON.stringify leaves raw (a bidi override, C1 controls) escaped: the same value, safe on a terminal', async () => {
    const r = await callAsBob(reflecting.address, 'demo.v1.Echo/Say', '-d', '{"message":"abc\\u202edef\\u0085"}');
    expect(r).toMatchObject({ code: 0, stdout: '{"message":"abc\\u202edef\\u0085"}\n' });
    expect(JSON.parse(r.stdout).message).toBe('abc\u202edef\u0085');
  });

  describe('--format text', () => {
    it('unary: text in, text out', async () => {
      expect(
        (
          await certrpc([
            'call',
            reflecting.address,
            'demo.v1.KeyValue/Put',
            '--identity',
            'alice',
            '--format',
            'text',
            '-d',
            'key: "t" value: "line\\none \\"quoted\\""',
          ])
        ).code,
      ).toBe(0);
      const get = await callAsBob(reflecting.address, 'demo.v1.KeyValue/Get', '--format', 'text', '-d', 'key: "t"');
      expect(get).toMatchObject({ code: 0, stdout: 'key: "t"\nvalue: "line\\none \\"quoted\\""\nfound: true\n' });
    });

    it('a bidi override in a response string is printed escaped, still valid text format (it reads back the same)', async () => {
      const r = await callAsBob(reflecting.address, 'demo.v1.Echo/Say', '--format', 'text', '-d', 'message: "abc\\u202edef"');
      expect(r).toMatchObject({ code: 0, stdout: 'message: "abc\\u202edef"\n' });
      const roundTrip = await callAsBob(reflecting.address, 'demo.v1.Echo/Say', '--format', 'text', '-d', r.stdout);
      expect(roundTrip.stdout).toBe(r.stdout);
    });

    it('streams: responses separated by 0x1E, requests read as 0x1E-separated records (from stdin)', async () => {
      const repeat = await certrpc([
        'call',
        reflecting.address,
        'demo.v1.Echo/Repeat',
        '--identity',
        'alice',
        '--format',
        'text',
        '-d',
        'message: "r" repeat: 3',
      ]);
      expect(repeat).toMatchObject({ code: 0, stdout: `message: "r"\n${RS}message: "r"\nindex: 1\n${RS}message: "r"\nindex: 2\n` });
      const chat = await certrpc(
        ['call', reflecting.address, 'demo.v1.Echo/Chat', '--identity', 'alice', '--format', 'text', '-d', '@-'],
        `message: "a"\n${RS}\n# a comment\nmessage: "b"\n${RS}`,
      );
      // The record after the last separator is the empty message, as in grpcurl.
      expect(chat).toMatchObject({ code: 0, stdout: `message: "a"\n${RS}message: "b"\nindex: 1\n${RS}index: 2\n` });
      const collect = await certrpc([
        'call',
        reflecting.address,
        'demo.v1.Echo/Collect',
        '--identity',
        'alice',
        '--format',
        'text',
        '-d',
        `message: "x"${RS}message: "y"`,
      ]);
      expect(collect).toMatchObject({ code: 0, stdout: 'message: "x y"\nindex: 2\n' });
    });

    it('bad text, two records for a unary method, and JSON-only flags are usage errors (exit 2); so is an unknown format', async () => {
      const bad = await callAsBob(reflecting.address, 'demo.v1.Echo/Say', '--format', 'text', '-d', 'message: unquoted words');
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/-d: -d is not a valid demo\.v1\.SayRequest in text format: .*\n {2}fix: write the fields as name: value/);
      const two = await certrpc([
        'call',
        reflecting.address,
        'demo.v1.Echo/Say',
        '--identity',
        'bob',
        '--format',
        'text',
        '-d',
        `message: "a"${RS}message: "b"`,
      ]);
      expect(two.code).toBe(2);
      expect(two.stderr).toContain('-d holds 2 messages (separated by 0x1E), but this method takes exactly one request');
      expect((await callAsBob(reflecting.address, 'demo.v1.Echo/Say', '--format', 'text', '--emit-defaults')).stderr).toContain(
        '--emit-defaults is for --format json',
      );
      expect((await callAsBob(reflecting.address, 'demo.v1.Echo/Say', '--format', 'text', '--allow-unknown-fields')).code).toBe(2);
      const xml = await callAsBob(reflecting.address, 'demo.v1.Echo/Say', '--format', 'xml');
      expect(xml.code).toBe(2);
      expect(xml.stderr).toMatch(/Allowed choices are json, text/);
    });
  });

  describe('did you mean', () => {
    it.each([
      ['a misspelt service', 'demo.v1.KeyValu/Get', 'demo.v1.KeyValue/Get'],
      ['a misspelt method', 'demo.v1.KeyValue/Gett', 'demo.v1.KeyValue/Get'],
      ['swapped letters', 'demo.v1.KeyVlaue.Get', 'demo.v1.KeyValue.Get'],
      ['no package', 'KeyValue/Get', 'demo.v1.KeyValue/Get'],
      ['the wrong case', 'demo.v1.keyvalue/get', 'demo.v1.KeyValue/Get'],
    ])('call: %s (%s) suggests %s, exit 1', async (_what, name, suggestion) => {
      const r = await callAsBob(reflecting.address, name);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`\n  did you mean ${suggestion}?\n  fix: run certrpc list ADDR`);
    });

    it('describe and list suggest services, methods and types; from a --protoset too; nothing close, no guess', async () => {
      const message = await certrpc(['describe', reflecting.address, 'demo.v1.PutRequst', '--identity', 'alice']);
      expect(message.code).toBe(1);
      expect(message.stderr).toContain(
        '"demo.v1.PutRequst" is not a service, method, message or enum known to the server (reflection)\n  did you mean demo.v1.PutRequest?',
      );
      const service = await certrpc(['list', reflecting.address, 'demo.v1.Ecoh', '--identity', 'alice']);
      expect(service.code).toBe(1);
      expect(service.stderr).toContain('did you mean demo.v1.Echo?');
      const fromSet = await callAsBob(bare.address, 'demo.v1.Echo/Sya', '--protoset', 'all.protoset');
      expect(fromSet.code).toBe(1);
      expect(fromSet.stderr).toContain('known to the descriptor sets (all.protoset)\n  did you mean demo.v1.Echo/Say?');
      const nothing = await callAsBob(reflecting.address, 'billing.v2.Invoices/Create');
      expect(nothing.code).toBe(1);
      expect(nothing.stderr).not.toContain('did you mean');
    });
  });

  it.each(['call', 'list', 'describe'])('%s --help names the new flags, an example of each kind and the exit codes', async (verb) => {
    const r = await certrpc([verb, '--help']);
    expect(r.code).toBe(0);
    for (const flag of [
      '--protoset <file...>',
      '--protoset-out <file>',
      '--force',
      '--max-msg-sz <bytes>',
      '--format-error',
      '--plaintext',
      '--insecure',
    ])
      expect(r.stdout).toContain(flag);
    if (verb === 'call') for (const flag of ['--format <format>', '--allow-unknown-fields']) expect(r.stdout).toContain(flag);
    expect(r.stdout).toContain('unix:///PATH');
    expect(r.stdout).toMatch(/Examples:\n( {2}\$ certrpc .*\n)+/);
    expect(r.stdout).toMatch(
      /Exit codes:\n {2}0 +success\n {2}1 +error: a connection that failed \(the diagnosis certrpc doctor gives[\s\S]*"did you mean \.\.\.\?"[\s\S]*\n {2}2 +usage error[\s\S]*\n {2}64\+N +the call ended with gRPC status N/,
    );
  });

  describe('--plaintext and --insecure', () => {
    it.each(['call', 'list', 'describe', 'doctor'])(
      '%s refuses them (exit 2), saying why and what to use, before connecting',
      async (verb) => {
        const method = verb === 'call' ? ['certrpc.v1.Identity/WhoAmI'] : [];
        for (const flag of ['--plaintext', '-plaintext']) {
          const r = await certrpc([verb, reflecting.address, ...method, flag]);
          expect(r.code).toBe(2);
          expect(r.stdout).toBe('');
          expect(r.stderr).toMatch(
            /^certrpc: --plaintext is refused: certrpc speaks only mutual TLS\. Your client certificate is who you are to the server/,
          );
          expect(r.stderr).toContain(
            'fix: call as an identity: --identity NAME (DIR/NAME.crt and DIR/NAME.key, trusting DIR/ca.crt), or --cert FILE --key FILE --cacert CA_FILE',
          );
        }
        for (const flag of ['--insecure', '-insecure']) {
          const r = await certrpc([verb, reflecting.address, ...method, '--identity', 'alice', flag]);
          expect(r.code).toBe(2);
          expect(r.stderr).toMatch(/^certrpc: --insecure is refused: certrpc always checks the server's certificate/);
          expect(r.stderr).toContain(
            "fix: trust the CA that signed the server's certificate with --cacert FILE (default DIR/ca.crt); when its certificate names another host than the one you dial, verify it under that name with --authority NAME, or by its URI SAN with --server-id spiffe://...",
          );
        }
      },
    );
  });
});

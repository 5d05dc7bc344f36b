// What a serving process keeps: every MB of a server's heap is GC work on every call and message
// (docs/BENCHMARKS.md, Heap and GC). `certrpc serve` without a CRL and without --metrics loads
// neither the x509 stack (@peculiar/x509, its ASN.1 schemas, the Reflect polyfill), prom-client, nor
// the YAML parser and zod (its policy is parsed in a worker thread), nor pino (src/log/logger.ts),
// nor commander and the CLI's command tree (its arguments are parsed in a worker: cli/serve-process.ts)
// or the wording of errors (until one is reported),
// nor more of @bufbuild/protobuf than the binary reader and writer (src/wire/binary-wire.ts),
// and runs from dist/ and node_modules rather than the one-file bundles, whose whole source text
// (the entire CLI's, in cli-main) would stay in its heap. A CRL still brings the x509 stack: the CRL
// checks need it.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { demoClients } from '../helpers/calls';
import { grpcFrame, rawGrpcCall } from '../helpers/raw-grpc';
import { runCli, startCli } from '../helpers/cli';
import { clientTls, demoPki } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';
import { PkiDir } from '../../src/store/pki-dir';

const HEAVY =
  /node_modules\/(@peculiar\/|reflect-metadata\/|prom-client\/|zod\/|yaml\/|protobufjs\/|@grpc\/proto-loader\/|@grpc\/reflection\/|grpc-health-check\/|pino\/|commander\/|@bufbuild\/protobuf\/dist\/cjs\/(wire\/index|wire\/size-delimited|wire\/text-format|reflect\/))|dist\/vendor\/|dist\/(cli\/(main|lazy-command|run-program|serve|commands|error-wording)|tls\/failure-reasons)\.js$/;

/** Starts `certrpc serve ARGS`, makes a call (and `more`), stops it; returns the heavy files it had loaded by then. */
async function heavyFilesLoaded(dir: string, pki: PkiDir, args: string[], more?: (address: string) => Promise<void>): Promise<string[]> {
  const preload = join(dir, 'report-loaded.js');
  writeFileSync(
    preload,
    // NODE_OPTIONS reaches the policy parser's worker thread too: only the serving thread reports.
    `if (require('worker_threads').isMainThread) process.on('exit', () => require('fs').writeSync(2, 'LOADED ' + JSON.stringify(Object.keys(require.cache)) + '\\n'));\n`,
  );
  const server = await startCli(['serve', '--demo', '--dir', pki.dir, '--port', '0', ...args], {
    env: { NODE_OPTIONS: `-r ${preload}` },
  });
  try {
    // A call through the whole path (handshake, issuer lookup, identity, authorization).
    const alice = demoClients(server.address, clientTls(pki, 'alice'));
    try {
      expect((await alice.whoAmI()).commonName).toBe('alice');
    } finally {
      alice.close();
    }
    await more?.(server.address);
  } finally {
    await server.stop();
  }
  const line = /^LOADED (.*)$/m.exec(server.logs());
  expect(line).not.toBeNull();
  return (JSON.parse(line![1]) as string[]).filter((f) => HEAVY.test(f));
}

describe('what certrpc serve keeps loaded', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('without a CRL or --metrics: no x509 stack, prom-client, YAML parser, zod, protobufjs, reflection, pino, bundle, nor commander and the command tree (its arguments are parsed in a worker), nor more of @bufbuild/protobuf than its binary reader and writer', async () => {
    const pki = await demoPki(join(tmp.dir, 'plain'));
    expect(await heavyFilesLoaded(tmp.dir, pki, ['--policy', join(__dirname, '..', '..', 'policy.yaml')])).toEqual([]);
  });

  it('with a CRL (DIR/crl.pem): the x509 stack, for the CRL checks', async () => {
    const pki = await demoPki(join(tmp.dir, 'with-crl'));
    const crl = await runCli(['ca', 'crl', '--dir', pki.dir]);
    expect(crl.code).toBe(0);
    const loaded = await heavyFilesLoaded(tmp.dir, pki, []);
    expect(loaded.some((f) => f.includes('node_modules/@peculiar/x509/'))).toBe(true);
  });

  it('reflection is built at its first call: a request that does not decode ends with INTERNAL, the next call is answered', async () => {
    const pki = await demoPki(join(tmp.dir, 'reflection'));
    const policy = ['--policy', join(__dirname, '..', '..', 'policy.yaml')];
    const loaded = await heavyFilesLoaded(tmp.dir, pki, policy, async (address) => {
      const garbage = await rawGrpcCall(
        address,
        clientTls(pki, 'alice'),
        '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo',
        grpcFrame(Buffer.from([0xff, 0xff, 0xff])),
      );
      expect(garbage.grpcStatus).toBe(13);
      const list = await runCli(['list', address, '--dir', pki.dir, '--identity', 'alice']);
      expect(list.stderr).toBe('');
      expect(list.stdout.split('\n')).toEqual(expect.arrayContaining(['demo.v1.Echo', 'grpc.health.v1.Health']));
    });
    expect(loaded.some((f) => f.includes('node_modules/@grpc/reflection/'))).toBe(true);
  });

  it("require('certrpc/server') loads none of them either (its loadPolicyFile and parsePolicy parse in a worker)", () => {
    const entry = join(__dirname, '..', '..', 'dist', 'entry', 'server.js');
    const loaded = JSON.parse(
      execFileSync(process.execPath, ['-e', `require(${JSON.stringify(entry)}); console.log(JSON.stringify(Object.keys(require.cache)))`], {
        encoding: 'utf8',
      }),
    ) as string[];
    expect(loaded.filter((f) => HEAVY.test(f))).toEqual([]);
  });
});

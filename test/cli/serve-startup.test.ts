// `certrpc serve` at start, as a child process:
// - it warns when its certificate or a CA it trusts expires within --expiry-warning (default 30
//   days), and when a CRL it enforces is due (nextUpdate) within a week;
// - its arguments are parsed in a worker thread (cli/serve-process.ts) with the same outcomes as
//   any command: help on stdout (0), one message per usage error (2), a start failure's fix (1);
// - `--config FILE` supplies every setting not given as a flag, and each flag given wins over the
//   file (limits name by name), each observed from outside: log level, policy, metrics, limits
//   (SETTINGS on the wire, the metadata limit in a status), the shutdown grace period.
import { Metadata, status } from '@grpc/grpc-js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { demoClients, grpcError, unary } from '../helpers/calls';
import { RunningServer, runCli, startCli } from '../helpers/cli';
import { eventually, logLines } from '../helpers/eventually';
import { metricsAddress, scrape } from '../helpers/metrics';
import { writeOpsPolicy } from '../helpers/ops-policy';
import { clientTls, demoPki } from '../helpers/pki';
import { RawH2Connection, SETTINGS_MAX_CONCURRENT_STREAMS } from '../helpers/raw-h2';
import { tempDir } from '../helpers/temp-dir';

jest.setTimeout(120_000);

describe('serve start-up', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  describe('arguments, parsed aside: the same words and exit codes as every command', () => {
    it('help on stdout and 0; a usage error said once and 2; a server that cannot start says why and exits 1', async () => {
      const pki = await demoPki(join(tmp.dir, 'arguments'));
      const help = await runCli(['serve', '--help']);
      expect([help.code, help.stderr]).toEqual([0, '']);
      expect(help.stdout).toMatch(/^Usage: certrpc serve \[options\]/);
      const unknown = await runCli(['serve', '--no-such-flag', '--dir', pki.dir]);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr.match(/unknown option '--no-such-flag'/g)).toHaveLength(1);
      const badAudit = await runCli(['serve', '--audit', 'sometimes', '--dir', pki.dir, '--port', '0']);
      expect(badAudit.code).toBe(2);
      expect(badAudit.stderr).toBe('certrpc: bad --audit "sometimes"\n  fix: use one of none, on_deny, on_allow, all\n');
      const noIdentity = await runCli(['serve', '--name', 'nobody', '--dir', pki.dir, '--port', '0']);
      expect(noIdentity.code).toBe(1);
      expect(noIdentity.stderr).toMatch(/certrpc: .*nobody\.crt: no certificate named "nobody"\n {2}fix: /);
    });
  });

  describe('expiry warnings: a CA of 20 days, a server certificate of 10, a CRL due in 3', () => {
    const dir = join(tmp.dir, 'short-lived');
    const cli = async (...args: string[]) => {
      const r = await runCli([...args, '--dir', dir]);
      if (r.code !== 0) throw new Error(`certrpc ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    };
    const warningsOf = async (server: RunningServer, count: number) => {
      const lines = await eventually(() => {
        const found = logLines(server.logs()).filter((l) => l.event === 'expiry_warning');
        return found.length >= count && found;
      }, `${count} expiry warnings`);
      return Object.fromEntries(lines.map((l) => [String(l.what), l]));
    };

    beforeAll(async () => {
      await cli('pki', 'init', '--days', '20', '--cn', 'short CA');
      await cli('cert', 'issue', 'server', '--server', '--san', 'DNS:localhost,IP:127.0.0.1', '--days', '10');
      await cli('ca', 'crl', '--days', '3');
    });

    it('warns about the certificate, the CA and the CRL at start, each with what to do', async () => {
      const server = await startCli(['serve', '--demo', '--dir', dir, '--port', '0']);
      let exitCode: number | null;
      try {
        const w = await warningsOf(server, 3);
        expect(Object.keys(w).sort()).toEqual(['ca', 'certificate', 'crl']);
        expect(w.certificate).toMatchObject({ level: 40, subject: 'CN=server' });
        expect(w.certificate.daysLeft).toBeGreaterThanOrEqual(9);
        expect(w.certificate.daysLeft).toBeLessThanOrEqual(10);
        expect(String(w.certificate.msg)).toMatch(/the server certificate "CN=server" .* expires in \d+ day\(s\).*certrpc cert renew/);
        expect(w.ca).toMatchObject({ level: 40, subject: 'CN=short CA' });
        expect(w.ca.daysLeft).toBeGreaterThanOrEqual(19);
        expect(String(w.ca.msg)).toMatch(/the trusted CA "CN=short CA" .* expires in \d+ day\(s\).*certrpc ca rotate/);
        expect(w.crl).toMatchObject({ level: 40, subject: 'CN=short CA' });
        expect(w.crl.daysLeft).toBeGreaterThanOrEqual(2);
        expect(w.crl.daysLeft).toBeLessThanOrEqual(3);
        expect(String(w.crl.msg)).toMatch(/the CRL of "CN=short CA" expires in \d+ day\(s\).*certrpc ca crl/);
      } finally {
        exitCode = await server.stop();
      }
      expect(exitCode).toBe(0);
    });

    it('--expiry-warning 5d: no warning for the certificate (10 days) or the CA; the CRL (due within a week) still warned', async () => {
      const server = await startCli(['serve', '--demo', '--dir', dir, '--port', '0', '--expiry-warning', '5d']);
      let exitCode: number | null;
      try {
        const w = await warningsOf(server, 1);
        // Warnings are logged in one go before "listening on", the CRL's last: once it is read, the others would have been.
        expect(Object.keys(w)).toEqual(['crl']);
      } finally {
        exitCode = await server.stop();
      }
      expect(exitCode).toBe(0);
    });
  });

  describe('--config FILE with flags over it', () => {
    const dir = join(tmp.dir, 'configured');
    let server: RunningServer;

    beforeAll(async () => {
      mkdirSync(dir);
      const pki = await demoPki(join(dir, 'certs'));
      writeOpsPolicy(dir);
      // Relative paths are relative to the file; the flags below override logLevel, one limit and shutdownGrace.
      writeFileSync(
        join(dir, 'serve.yaml'),
        [
          'listen: 127.0.0.1:0',
          'dir: certs',
          'policy: policy.yaml',
          'logLevel: warn',
          'metrics: 127.0.0.1:0',
          'shutdownGrace: 30s',
          'limits:',
          '  maxConcurrentStreams: 7',
          '  maxMetadataBytes: 2KiB',
          '',
        ].join('\n'),
      );
      server = await startCli(
        [
          'serve',
          '--demo',
          '--config',
          join(dir, 'serve.yaml'),
          '--log-level',
          'info',
          '--limit',
          'maxConcurrentStreams=5',
          '--shutdown-grace',
          '1s',
        ],
        { cwd: tmp.dir },
      );
      tls = clientTls(pki, 'alice');
    });
    let tls: ReturnType<typeof clientTls>;
    afterAll(async () => {
      expect(await server.stop()).toBe(0);
    });

    it('takes listen, dir, policy and metrics from the file (relative to it), and --log-level info over its "warn"', async () => {
      expect(server.address).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(await scrape(metricsAddress(server.output()))).toMatch(/certrpc_serving 1/);
      // The ops policy lets alice Put: without the file's policy only WhoAmI would be allowed.
      const alice = demoClients(server.address, tls, 'localhost');
      await unary(alice.kv, alice.kv.put, { key: 'configured', value: 'yes' });
      alice.close();
      // Info lines are written: the flag won over the file's "warn".
      const info = await eventually(
        () => logLines(server.logs()).find((l) => l.level === 30 && /configuration from/.test(String(l.msg))),
        'an info line naming the config file',
      );
      expect(info.config).toBe(join(dir, 'serve.yaml'));
    });

    it('--limit overrides the file for that limit only: SETTINGS says 5 streams, the metadata limit stays 2 KiB', async () => {
      const conn = await RawH2Connection.open(server.port, tls);
      expect(conn.serverSettings.get(SETTINGS_MAX_CONCURRENT_STREAMS)).toBe(5);
      conn.close();
      const alice = demoClients(server.address, tls, 'localhost');
      const metadata = new Metadata();
      metadata.set('x-big', 'a'.repeat(4096));
      const err = await grpcError(unary(alice.kv, alice.kv.get, { key: 'configured' }, metadata));
      alice.close();
      expect(err.code).toBe(status.RESOURCE_EXHAUSTED);
      expect(err.details).toMatch(/over this server's limit of 2048 \(maxMetadataBytes\)/);
    });

    it("--shutdown-grace 1s overrides the file's 30s", async () => {
      const stopped = server.stop('SIGTERM');
      expect(await stopped).toBe(0);
      expect(logLines(server.logs()).find((l) => l.event === 'shutdown')).toMatchObject({ graceMs: 1000 });
    });
  });
});

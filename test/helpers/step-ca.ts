// A real smallstep step-ca (0.19, built from Debian's Go sources by scripts/step-ca.sh) on
// 127.0.0.1, per suite: a fresh root and intermediate made with openssl (an independent peer, not
// certrpc's own code), a JWK provisioner whose key node:crypto made, short lifetimes, its badger
// database and STEPPATH in the suite's temp dir. Started, waited for ("Serving HTTPS on", printed
// after the socket is bound, then one /health), stopped with SIGTERM.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync, KeyObject, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decimalSerial, fetchRoot } from '../../src/stepca/client';
import { ott, provisionerPublicJwk, ProvisionerKey, revokeAudience, signAudience } from '../../src/stepca/one-time-token';
import { fingerprintOf } from '../../src/stepca/step-ca-input';
import { captureOutput } from './test-run';
import { freePort, requireTool, run } from './tools';

export const STEP_CA_SCRIPT = join(__dirname, '..', '..', 'scripts', 'step-ca.sh');

/**
 * The step-ca binary (built and cached by scripts/step-ca.sh; the first time on a fresh machine it
 * installs Debian's packages and builds, about 3 minutes, as root), or why it is missing: the
 * script's own words, with the command that installs it. Synchronous: suites decide at load time.
 */
export function findStepCa(): { binary?: string; missing?: string } {
  const result = spawnSync('bash', [STEP_CA_SCRIPT], { encoding: 'utf8', timeout: 15 * 60_000 });
  const binary = result.stdout?.trim().split('\n').pop();
  if (result.status === 0 && binary) return { binary };
  const said = (result.stderr ?? '').trim() || result.error?.message || `exit ${result.status}`;
  return { missing: `step-ca is not available (scripts/step-ca.sh: ${said.replace(/\s*\n\s*/g, '; ')})` };
}

export interface Claims {
  minTLSCertDuration: string;
  maxTLSCertDuration: string;
  defaultTLSCertDuration: string;
}

export interface RunningStepCa {
  url: string;
  rootPem: string;
  rootFile: string;
  intermediatePem: string;
  intermediateFile: string;
  /** SHA-256 of the root, lower-case hex (what step-ca prints as "X.509 Root Fingerprint"). */
  fingerprint: string;
  provisioner: ProvisionerKey;
  /** A sign token for `sub` with exactly `sans` (default: [sub]). */
  token(sub: string, sans?: string[], options?: { ttl?: string | number; now?: Date; aud?: string }): string;
  /** A revoke token for the certificate with this (hex) serial. */
  revokeToken(hexSerial: string): string;
  /** Everything step-ca printed so far. */
  logs(): string;
  stop(): Promise<void>;
}

const DEFAULT_CLAIMS: Claims = { minTLSCertDuration: '10s', maxTLSCertDuration: '1h', defaultTLSCertDuration: '10m' };

async function openssl(args: string[]): Promise<void> {
  const result = await run(requireTool('openssl'), args);
  if (result.code !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${result.stderr}`);
}

/** An EC P-256 root (CA:TRUE) and intermediate (CA:TRUE, pathlen:0) in dir, keys unencrypted PKCS#8. */
async function rootAndIntermediate(dir: string): Promise<void> {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  await openssl([
    'req',
    '-x509',
    ...ec,
    '-keyout',
    join(dir, 'root.key'),
    '-out',
    join(dir, 'root.crt'),
    '-subj',
    '/O=certrpc tests/CN=step-ca test root',
    '-days',
    '2',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await openssl([
    'req',
    '-new',
    ...ec,
    '-keyout',
    join(dir, 'intermediate.key'),
    '-out',
    join(dir, 'intermediate.csr'),
    '-subj',
    '/O=certrpc tests/CN=step-ca test intermediate',
  ]);
  writeFileSync(
    join(dir, 'intermediate.ext'),
    'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n',
  );
  await openssl([
    'x509',
    '-req',
    '-in',
    join(dir, 'intermediate.csr'),
    '-CA',
    join(dir, 'root.crt'),
    '-CAkey',
    join(dir, 'root.key'),
    '-set_serial',
    '0x' + Date.now().toString(16),
    '-days',
    '2',
    '-extfile',
    join(dir, 'intermediate.ext'),
    '-out',
    join(dir, 'intermediate.crt'),
  ]);
}

function caJson(dir: string, port: number, provisioner: { name: string; key: KeyObject }, claims: Claims): object {
  return {
    root: join(dir, 'root.crt'),
    crt: join(dir, 'intermediate.crt'),
    key: join(dir, 'intermediate.key'),
    address: `127.0.0.1:${port}`,
    dnsNames: ['127.0.0.1', 'localhost'],
    logger: { format: 'text' },
    db: { type: 'badgerv2', dataSource: join(dir, 'db') },
    authority: {
      claims,
      provisioners: [{ type: 'JWK', name: provisioner.name, key: provisionerPublicJwk(provisioner.key) }],
    },
    tls: { minVersion: 1.2, maxVersion: 1.3, renegotiation: false },
  };
}

/** Starts step-ca on a free port (retried on a lost race for it) and resolves once it serves. */
export async function startStepCa(binary: string, dir: string, options: { claims?: Partial<Claims> } = {}): Promise<RunningStepCa> {
  mkdirSync(dir, { recursive: true });
  await rootAndIntermediate(dir);
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const provisioner = { name: 'certrpc-tests', key: privateKey };
  const claims = { ...DEFAULT_CLAIMS, ...options.claims };
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    writeFileSync(join(dir, 'ca.json'), JSON.stringify(caJson(dir, port, provisioner, claims), null, 2));
    try {
      return await launch(binary, dir, port, provisioner);
    } catch (err) {
      if (attempt >= 3 || !/address already in use/.test((err as Error).message)) throw err;
    }
  }
}

async function launch(binary: string, dir: string, port: number, provisioner: ProvisionerKey): Promise<RunningStepCa> {
  mkdirSync(join(dir, 'step'), { recursive: true });
  const child: ChildProcess = spawn(binary, [join(dir, 'ca.json')], {
    env: { ...process.env, STEPPATH: join(dir, 'step') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  captureOutput(child, ['step-ca', join(dir, 'ca.json')]);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`step-ca did not start within 30 s:\n${output}`));
    }, 30_000);
    const onData = () => {
      if (output.includes('Serving HTTPS on')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`step-ca exited (code ${code}) before serving:\n${output}`));
    });
  });
  const url = `https://127.0.0.1:${port}`;
  const rootPem = readFileSync(join(dir, 'root.crt'), 'utf8');
  const fingerprint = fingerprintOf(new X509Certificate(rootPem));
  await fetchRoot(url, fingerprint); // the API answers, over TLS under this root
  return {
    url,
    rootPem,
    rootFile: join(dir, 'root.crt'),
    intermediatePem: readFileSync(join(dir, 'intermediate.crt'), 'utf8'),
    intermediateFile: join(dir, 'intermediate.crt'),
    fingerprint,
    provisioner,
    token: (sub, sans = [sub], o = {}) => ott(provisioner, { sub, sans, aud: o.aud ?? signAudience(url), ttl: o.ttl, now: o.now }),
    revokeToken: (hexSerial) => ott(provisioner, { sub: decimalSerial(hexSerial), aud: revokeAudience(url) }),
    logs: () => output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

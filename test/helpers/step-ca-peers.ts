// What the step-ca suites make around a running step-ca: keys and CSRs by openssl (an independent
// peer), certificates the real CA signs for them, and impostors (real HTTPS servers at an address of
// their own that are not the pinned CA, answering what a test says).
import { chmodSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer as createHttpsServer } from 'node:https';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createCa, loadSigningCa } from '../../src/pki/ca';
import { issueCertificate } from '../../src/pki/issue';
import { sign } from '../../src/stepca/client';
import { StepCaError } from '../../src/stepca/step-ca-error';
import type { RunningStepCa } from './step-ca';
import { requireTool, run } from './tools';

export interface KeyAndCsr {
  keyPem: string;
  csrPem: string;
  keyFile: string;
}

let sequence = 0;

/** A key and CSR made by openssl in `dir`, CN and SANs (openssl's spelling: DNS:x, IP:y) as given. */
export async function keyAndCsr(dir: string, cn: string, sans: string[]): Promise<KeyAndCsr> {
  const base = join(dir, `req-${process.pid}-${++sequence}`);
  const result = await run(requireTool('openssl'), [
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    `${base}.key`,
    '-out',
    `${base}.csr`,
    '-subj',
    `/CN=${cn}`,
    ...(sans.length ? ['-addext', `subjectAltName=${sans.join(',')}`] : []),
  ]);
  if (result.code !== 0) throw new Error(result.stderr);
  chmodSync(`${base}.key`, 0o600);
  return { keyPem: readFileSync(`${base}.key`, 'utf8'), csrPem: readFileSync(`${base}.csr`, 'utf8'), keyFile: `${base}.key` };
}

/** A key (openssl) and the certificate `ca` signs for it with a token for `names`; the CSR states `csrSans`. */
export async function enrolledAt(
  ca: RunningStepCa,
  dir: string,
  cn: string,
  names: string[],
  csrSans: string[],
  options: { lifetime?: string } = {},
) {
  const req = await keyAndCsr(dir, cn, csrSans);
  const issued = await sign(ca.url, ca.rootPem, req.csrPem, ca.token(cn, names), options);
  return { ...req, ...issued };
}

/** The StepCaError a promise rejects with (fails the test when it resolves or rejects otherwise). */
export async function refusal(promise: Promise<unknown>): Promise<StepCaError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StepCaError);
  return err as StepCaError;
}

/**
 * A real HTTPS server on 127.0.0.1 that is not the CA: it answers `answer(path)`, with the TLS
 * identity given (default: a certificate from a CA of its own).
 */
export async function impostor(
  answer: (path: string) => { status: number; json: unknown },
  tls?: { certPem: string; keyPem: string },
): Promise<{ url: string; close: () => Promise<void> }> {
  if (!tls) {
    const pair = await createCa({ commonName: 'impostor CA' });
    tls = await issueCertificate(await loadSigningCa(pair.certPem, pair.keyPem), {
      profile: 'server',
      commonName: 'impostor',
      sans: [{ type: 'IP', value: '127.0.0.1' }],
      days: 1,
    });
  }
  const server = createHttpsServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    req.resume();
    const { status, json } = answer(req.url ?? '/');
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) };
}

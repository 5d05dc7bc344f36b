// The certificates every scenario uses, made once per bench run by certrpc's own PKI library in
// a temp directory: one CA + server + client per key type, so ECDSA and RSA can be compared.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCa } from '../../src/pki/ca';
import { KeyType } from '../../src/pki/crypto';
import { issueCertificate } from '../../src/pki/issue';
import { parseSanList } from '../../src/pki/subject-alt-names';
import { PkiDir } from '../../src/store/pki-dir';

export const BENCH_KEY_TYPES = ['ecdsa-p256', 'rsa-2048'] as const satisfies readonly KeyType[];
export type BenchKeyType = (typeof BENCH_KEY_TYPES)[number];

export const CLIENT_NAME = 'bench-client';
export const CLIENT_SPIFFE_ID = 'spiffe://certrpc.bench/client/bench';
export const DEMO_ADMIN = 'alice';

export interface PemPair {
  certFile: string;
  keyFile: string;
  certPem: string;
  keyPem: string;
}

/** One side-by-side set: a CA, a server identity and a client identity, all of one key type. */
export interface TlsSet {
  keyType: BenchKeyType;
  /** A certrpc PKI directory (ca.crt, ca.key, server.*, bench-client.*): what the CLI's --dir takes. */
  dir: string;
  caFile: string;
  caKeyFile: string;
  caPem: string;
  server: PemPair;
  client: PemPair;
}

export interface BenchPki {
  root: string;
  sets: Record<BenchKeyType, TlsSet>;
}

let made: Promise<BenchPki> | undefined;

/** The bench PKI, created on first use and removed when the driver exits. */
export function benchPki(): Promise<BenchPki> {
  made ??= create();
  return made;
}

async function create(): Promise<BenchPki> {
  const root = mkdtempSync(join(tmpdir(), 'certrpc-bench-'));
  process.on('exit', () => rmSync(root, { recursive: true, force: true }));
  const sets = {} as Record<BenchKeyType, TlsSet>;
  for (const keyType of BENCH_KEY_TYPES) sets[keyType] = await createSet(join(root, keyType), keyType);
  return { root, sets };
}

async function createSet(dir: string, keyType: BenchKeyType): Promise<TlsSet> {
  const pki = new PkiDir(dir);
  pki.writeCa(await createCa({ commonName: `certrpc bench CA (${keyType})`, keyType }));
  const ca = await pki.loadCa();
  pki.writeIdentity(
    'server',
    await issueCertificate(ca, { profile: 'server', commonName: 'localhost', sans: parseSanList('DNS:localhost,IP:127.0.0.1'), keyType }),
  );
  pki.writeIdentity(
    CLIENT_NAME,
    await issueCertificate(ca, { profile: 'client', commonName: CLIENT_NAME, sans: parseSanList(`URI:${CLIENT_SPIFFE_ID}`), keyType }),
  );
  // The demo policy's admin (policy.yaml): the client of `certrpc serve --demo --policy policy.yaml`.
  pki.writeIdentity(DEMO_ADMIN, await issueCertificate(ca, { profile: 'client', commonName: DEMO_ADMIN, keyType }));
  const pair = (name: string): PemPair => ({
    certFile: pki.certFile(name),
    keyFile: pki.keyFile(name),
    certPem: readFileSync(pki.certFile(name), 'utf8'),
    keyPem: readFileSync(pki.keyFile(name), 'utf8'),
  });
  return {
    keyType,
    dir,
    caFile: pki.caCertFile,
    caKeyFile: pki.caKeyFile,
    caPem: readFileSync(pki.caCertFile, 'utf8'),
    server: pair('server'),
    client: pair(CLIENT_NAME),
  };
}

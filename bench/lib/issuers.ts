// Three ways to issue a client certificate (new key + certificate signed by the CA), for the PKI
// scenario: certrpc's library in-process, the certrpc CLI (a process per certificate), and the
// classic openssl pair (`openssl req -newkey` + `openssl x509 -req`) with equivalent extensions.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SigningCa } from '../../src/pki/ca';
import { issueCertificate } from '../../src/pki/issue';
import { parseSanList } from '../../src/pki/subject-alt-names';
import type { TlsSet } from './bench-pki';

const run = promisify(execFile);
const CLI_ENTRY = join(__dirname, 'certrpc-cli-entry.js');

export type Issue = (i: number) => Promise<void>;

export function libraryIssuer(ca: SigningCa, set: TlsSet): Issue {
  return async (i) => {
    await issueCertificate(ca, {
      profile: 'client',
      commonName: `lib-${i}`,
      sans: parseSanList(`URI:spiffe://certrpc.bench/lib/${i}`),
      keyType: set.keyType,
    });
  };
}

/** `certrpc cert issue NAME --client --key-type T --dir DIR`: start-up, key, certificate, atomic 0600 writes. */
export function cliIssuer(set: TlsSet, prefix: string): Issue {
  return async (i) => {
    await run(process.execPath, [
      CLI_ENTRY,
      'cert',
      'issue',
      `${prefix}-${i}`,
      '--client',
      '--key-type',
      set.keyType,
      '--san',
      `URI:spiffe://certrpc.bench/cli/${i}`,
      '--dir',
      set.dir,
    ]);
  };
}

/** The openssl loop: a key and CSR, then the CA signs it, with the extensions certrpc puts in. */
export function opensslIssuer(set: TlsSet, workDir: string): Issue {
  const extFile = join(workDir, 'client.ext');
  writeFileSync(
    extFile,
    [
      'basicConstraints = critical, CA:FALSE',
      'keyUsage = critical, digitalSignature',
      'extendedKeyUsage = clientAuth',
      'subjectKeyIdentifier = hash',
      'authorityKeyIdentifier = keyid',
      'subjectAltName = URI:spiffe://certrpc.bench/openssl/client',
      '',
    ].join('\n'),
  );
  const newKey = set.keyType === 'rsa-2048' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  return async (i) => {
    const base = join(workDir, `openssl-${i}`);
    await run('openssl', [
      'req',
      '-new',
      ...newKey,
      '-nodes',
      '-keyout',
      `${base}.key`,
      '-subj',
      `/CN=openssl-${i}`,
      '-out',
      `${base}.csr`,
    ]);
    await run('openssl', [
      'x509',
      '-req',
      '-in',
      `${base}.csr`,
      '-CA',
      set.caFile,
      '-CAkey',
      set.caKeyFile,
      '-set_serial',
      `0x${randomBytes(16)
        .toString('hex')
        .replace(/^[89a-f]/, '7')}`,
      '-days',
      '365',
      '-sha256',
      '-extfile',
      extFile,
      '-out',
      `${base}.crt`,
    ]);
  };
}

// `certrpc cert csr NAME`: a new key and a certificate signing request, made on the host that will
// keep the key (step certificate create --csr). Only NAME.csr travels to the CA host; what comes
// back (`cert sign`) becomes NAME.crt beside the key.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { KeyType } from '../pki/crypto';
import { createKeyAndCsr } from '../pki/make-csr';
import { San } from '../pki/subject-alt-names';
import { writeFileAtomic } from '../store/atomic-write';
import { checkName, PkiDir } from '../store/pki-dir';
import { readUserFile } from '../store/read-file';
import { backupStamp } from './renew';

export interface RequestOptions {
  commonName: string;
  sans?: San[];
  keyType?: KeyType;
  /** Replace an existing NAME.key/NAME.csr; the previous key (and NAME.crt) are kept in DIR/backup/ first. */
  force?: boolean;
  now?: Date;
}

export interface RequestResult {
  keyFile: string;
  csrFile: string;
  csrPem: string;
  /** Where the replaced key (and its certificate) went, with force. */
  backup?: { keyFile: string; certFile?: string };
  /** NAME.crt exists and belongs to the replaced key: unusable with the new key until the signed certificate replaces it. */
  staleCertificate?: string;
}

export async function createCertificateRequest(pki: PkiDir, name: string, options: RequestOptions): Promise<RequestResult> {
  checkName(name);
  if (!options.force) pki.refuseExistingRequest(name);
  // Made (and every name checked) before anything on disk changes.
  const request = await createKeyAndCsr(options.commonName, options.keyType, options.sans ?? []);
  const backup = options.force ? keepPrevious(pki, name, options.now ?? new Date()) : undefined;
  pki.writeKeyAndCsr(name, request, Boolean(options.force));
  return {
    keyFile: pki.keyFile(name),
    csrFile: pki.csrFile(name),
    csrPem: request.csrPem,
    ...(backup ? { backup } : {}),
    ...(backup && existsSync(pki.certFile(name)) ? { staleCertificate: pki.certFile(name) } : {}),
  };
}

/** A key is never lost to --force: the one replaced goes to DIR/backup/ (0700), with its certificate, as `cert renew` keeps them. */
function keepPrevious(pki: PkiDir, name: string, now: Date): RequestResult['backup'] {
  if (!existsSync(pki.keyFile(name))) return undefined;
  const files = pki.backupFiles(name, backupStamp(now));
  mkdirSync(dirname(files.keyFile), { recursive: true, mode: 0o700 });
  writeFileAtomic(files.keyFile, readUserFile(pki.keyFile(name), 'private key'), { mode: 0o600 });
  if (!existsSync(pki.certFile(name))) return { keyFile: files.keyFile };
  writeFileAtomic(files.certFile, readUserFile(pki.certFile(name), 'certificate'), { mode: 0o644 });
  return files;
}

import { Command } from 'commander';
import { describeForCli } from '../error-wording';
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { describeRevocation, KnownRevocation, revocationOf } from '../../lifecycle/revocation-status';
import { readInspectInput } from '../../pki/certificate-input';
import { PkiError } from '../../pki/errors';
import { describeCertificate, formatCertificateInfo } from '../../pki/inspect';
import { describeCsr } from '../../pki/inspect-csr';
import { formatCsrInfo } from './csr-text';
import { parseCertificateBundle, pemBlocks } from '../../pki/pem';
import { verifyCertificate, VerifyResult } from '../../pki/verify';
import { PkiDir } from '../../store/pki-dir';
import { readUserBytes, readUserFile } from '../../store/read-file';
import { parseAddress } from '../../tls/address';
import { fetchPresentedChain } from '../../tls/server-chain';
import { printable, printableJson } from '../../text/printable';
import { UsageError } from '../exit-codes';
import { defaultDir, withHelp } from '../help';

/** JSON `revocation`: revoked (when, why, which file says so), not revoked (files checked), or unknown (a damaged file). */
type RevocationView =
  ({ revoked: true } & KnownRevocation) | { revoked: false; checked: string[] } | { revoked: 'unknown'; problem: string };

export function certInspectCommand(): Command {
  const cmd = new Command('inspect')
    .description(
      'show a certificate (or every certificate of a bundle, PEM or DER), a certificate signing request, or the chain a server presents (--server), ' +
        'as readable text or JSON; says whether the chain verifies against DIR/ca.crt (or --cacert) and whether DIR/crl.pem or DIR/revocations.json lists it as revoked',
    )
    .argument('[file]', 'PEM certificate or bundle, DER certificate, or CSR (PEM or DER)')
    .option(
      '--server <host:port>',
      'instead of a file: connect and show the certificates the server presents (read only, never trusted for being read), verified against DIR/ca.crt or --cacert',
    )
    .option('--servername <name>', 'with --server: the name to send (SNI) and to check the server certificate for (default: the host)')
    .option('--json', 'print JSON (one object, or an array for a bundle; with --server an object with the verdict and the certificates)')
    .option(
      '--dir <dir>',
      'check the chain against DIR/ca.crt when it exists, and revocation against DIR/crl.pem and DIR/revocations.json',
      defaultDir(),
    )
    .option('--cacert <file>', 'check the chain against this CA bundle instead')
    .action(async (file: string | undefined, opts) => {
      if (opts.server !== undefined) {
        if (file !== undefined) throw new UsageError(`inspect a FILE or --server ${opts.server}, not both`);
        return inspectServer(opts);
      }
      if (file === undefined)
        throw new UsageError('say what to inspect: a FILE, or --server HOST:PORT', 'e.g. certrpc cert inspect certs/alice.crt');
      if (opts.servername !== undefined) throw new UsageError('--servername goes with --server HOST:PORT');
      const input = readInspectInput(readUserBytes(file, 'certificate'), file);
      if (input.kind === 'csr') {
        const info = await describeCsr(input.pem);
        return opts.json ? sayJson({ file, format: input.format, ...info }) : say(formatCsrInfo(info, file));
      }
      const pem = input.pems.join('\n');
      const trusted = trustedFor(opts);
      const pki = new PkiDir(opts.dir);
      const infos = [];
      const blocks = pemBlocks(pem);
      const all = parseCertificateBundle(pem, file);
      for (const [i, block] of blocks.entries()) {
        const cert = all[i];
        // The other certificates of a chain file are the path to the trust anchor (openssl's -untrusted).
        const intermediates = all.filter((_, j) => j !== i);
        const chain = trusted ? verifyCertificate(cert, trusted, { intermediates }) : undefined;
        infos.push({ ...describeCertificate(block, chain), revocation: await revocationView(cert, pki, trusted, intermediates) });
      }
      if (opts.json) sayJson(infos.length === 1 ? infos[0] : infos);
      else
        say(
          infos
            .map(
              (i, n) =>
                `${formatCertificateInfo(i, infos.length > 1 ? `${file} #${n + 1}` : file)}\n  ${'Revocation:'.padEnd(22)}${revocationText(i.revocation, pki)}`,
            )
            .join('\n\n'),
        );
    });
  return withHelp(cmd, [
    'certrpc cert inspect certs/alice.crt',
    'certrpc cert inspect certs/server.crt --json | jq .sans',
    'certrpc cert inspect chain.pem --cacert root.pem',
    'certrpc cert inspect bob.crt --json | jq .revocation',
    'certrpc cert inspect app.csr                                  # what it asks for, and whether cert sign would sign it',
    'certrpc cert inspect cert.der                                 # DER works too',
    'certrpc cert inspect --server 127.0.0.1:50051                  # the chain the server presents, checked against certs/ca.crt',
    'certrpc cert inspect --server 10.0.0.5:8443 --servername api.internal --cacert corp-root.crt --json',
  ]);
}

/**
 * Certificates, requests and servers choose the text printed here (a subject may hold ESC sequences,
 * a C1 CSI, a bidi override that repaints or reorders what was printed, e.g. a FAILED line): every
 * line goes through printable, JSON through printableJson, which keeps the values exact.
 */
const say = (text: string) => console.log(text.split('\n').map(printable).join('\n'));
const sayJson = (value: unknown) => console.log(printableJson(JSON.stringify(value, null, 2)));

function trustedFor(opts: { cacert?: string; dir: string }) {
  if (opts.cacert) return parseCertificateBundle(readUserFile(opts.cacert, 'CA bundle', '--cacert'), opts.cacert);
  const pki = new PkiDir(opts.dir);
  return existsSync(pki.caCertFile) ? parseCertificateBundle(pki.trustBundle(), pki.caCertFile) : undefined;
}

/**
 * What a server presents, read by a handshake that trusts nothing, then judged here: the leaf as a
 * server certificate for the name (the path built only through what it sent, up to a CA of the
 * trust bundle), every certificate's revocation as DIR records it.
 */
async function inspectServer(opts: { server: string; servername?: string; json?: boolean; cacert?: string; dir: string }): Promise<void> {
  const trusted = trustedFor(opts);
  const trustFile = opts.cacert ?? new PkiDir(opts.dir).caCertFile;
  const pki = new PkiDir(opts.dir);
  try {
    parseAddress(opts.server);
  } catch {
    throw new UsageError(`bad --server "${opts.server}"`, 'write HOST:PORT, e.g. 127.0.0.1:50051 or [::1]:50051');
  }
  const presented = await fetchPresentedChain(opts.server, { servername: opts.servername });
  const [leaf, ...rest] = presented.certificates;
  const verdict: VerifyResult | undefined = trusted
    ? verifyCertificate(leaf, trusted, { intermediates: rest, purpose: 'server' })
    : undefined;
  const certificates = [];
  for (const [i, cert] of presented.certificates.entries()) {
    const others = presented.certificates.filter((_, j) => j !== i);
    const chain = i === 0 ? verdict : trusted ? verifyCertificate(cert, trusted, { intermediates: others }) : undefined;
    // Revoked too when a CA it chains through (one the server sent) is on its root's CRL in DIR.
    certificates.push({ ...describeCertificate(cert.toString(), chain), revocation: await revocationView(cert, pki, trusted, others) });
  }
  const server = {
    address: presented.address,
    name: presented.name,
    protocol: presented.protocol,
    presented: presented.certificates.length,
    verified: verdict ? verdict.ok && !presented.nameMismatch : null,
    chain: verdict
      ? { ok: verdict.ok, code: verdict.code, reason: verdict.reason, trust: trustFile }
      : { ok: null, reason: `not checked: no trust bundle (${trustFile} does not exist; give --cacert FILE or --dir DIR)` },
    nameMatches: !presented.nameMismatch,
    ...(presented.nameMismatch ? { nameProblem: presented.nameMismatch } : {}),
  };
  if (opts.json) return sayJson({ server, certificates });
  // One line each: the server chose the names these quote (checkServerIdentity quotes a CN raw, line breaks and all).
  const chainLine = verdict
    ? verdict.ok
      ? `OK (${printable(verdict.chain.join(' <- '))}), against ${trustFile}`
      : `FAILED ${verdict.code}: ${printable(verdict.reason)} (against ${trustFile})`
    : server.chain.reason;
  say(
    [
      `Server ${server.address} (${server.protocol ?? 'TLS'}) presented ${server.presented} certificate${server.presented === 1 ? '' : 's'}:`,
      `  ${'Chain:'.padEnd(22)}${chainLine}`,
      `  ${'Name:'.padEnd(22)}${presented.nameMismatch ? `FAILED: ${printable(presented.nameMismatch)}` : `OK: valid for ${server.name}`}`,
      '',
      certificates
        .map(
          (c, n) =>
            `${formatCertificateInfo(c, `#${n + 1} presented by ${server.address}`)}\n  ${'Revocation:'.padEnd(22)}${revocationText(c.revocation, pki)}`,
        )
        .join('\n\n'),
    ].join('\n'),
  );
}

async function revocationView(
  cert: X509Certificate,
  pki: PkiDir,
  trusted: X509Certificate[] | undefined,
  intermediates: X509Certificate[],
): Promise<RevocationView> {
  try {
    const check = await revocationOf(cert, pki, trusted, intermediates);
    return check.revoked ? { revoked: true, ...check.revoked } : { revoked: false, checked: check.checked };
  } catch (err) {
    // Inspecting still works with a damaged crl.pem; the answer says it could not be checked, and why.
    if (err instanceof PkiError) return { revoked: 'unknown', problem: describeForCli(err) };
    throw err;
  }
}

function revocationText(view: RevocationView, pki: PkiDir): string {
  if (view.revoked === true) return `REVOKED: ${describeRevocation(view)}`;
  if (view.revoked === 'unknown') return `UNKNOWN: ${view.problem}`;
  return view.checked.length ? `not revoked (checked ${view.checked.join(', ')})` : `not checked (no ${pki.crlFile})`;
}

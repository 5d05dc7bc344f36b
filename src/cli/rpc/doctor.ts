import { Command } from 'commander';
import { failureFixForCli } from '../error-wording';
import { EXIT, ExitWith } from '../exit-codes';
import { withHelp } from '../help';
import { addConnectionFlags, connectionFromFlags } from './connection-flags';

export function doctorCommand(): Command {
  const cmd = new Command('doctor')
    .description('check the way to a server step by step (TCP, TLS, certificates both ways, WhoAmI, health) and say what to fix')
    .argument('<address>', 'server address, HOST:PORT');
  addConnectionFlags(cmd);
  cmd.action(async (address: string, opts) => {
    const { options, identity } = connectionFromFlags(address, opts);
    // Loaded here, not at start-up: the health client parses its .proto when loaded.
    const { DOCTOR_STEPS, runDoctor } = await import('../../client/doctor');
    const revoked = identity.tls.certPem ? await localRevocation(identity.tls.certPem, identity.tls.caPem, opts.dir) : undefined;
    console.log(`certrpc doctor ${address} as ${identity.description}`);
    const width = Math.max(...DOCTOR_STEPS.map((s) => s.title.length));
    const seen = new Set<string>();
    let failed = false;
    for await (const step of runDoctor(options, { revoked })) {
      seen.add(step.name);
      console.log(`  ${step.skipped ? 'skip' : step.ok ? 'ok  ' : 'FAIL'}  ${step.title.padEnd(width)}  ${step.detail}`);
      const fix = step.failure ? failureFixForCli(step.failure) : step.fix;
      if (fix) console.log(`  ${' '.repeat(4)}  ${' '.repeat(width)}  fix: ${fix}`);
      failed ||= !step.ok;
    }
    for (const step of DOCTOR_STEPS.filter((s) => !seen.has(s.name))) console.log(`  -     ${step.title.padEnd(width)}  not run`);
    if (failed) throw new ExitWith(EXIT.ERROR);
  });
  return withHelp(cmd, [
    'certrpc doctor 127.0.0.1:50051 --identity alice',
    'certrpc doctor api.internal:8443 --identity alice --dir ~/.certrpc',
    'certrpc doctor 10.0.0.7:8443 --identity alice --authority api.internal',
  ]);
}

/** Does DIR/crl.pem (or DIR/revocations.json) list our certificate? Loaded here only: it pulls in the CRL parser. */
async function localRevocation(certPem: string, caPem: string, dir: string) {
  const [{ X509Certificate }, { revocationOf }, { PkiDir }, { parseCertificateBundle }, { PkiError }] = await Promise.all([
    import('node:crypto'),
    import('../../lifecycle/revocation-status'),
    import('../../store/pki-dir'),
    import('../../pki/pem'),
    import('../../pki/errors'),
  ]);
  try {
    return (await revocationOf(new X509Certificate(certPem), new PkiDir(dir), parseCertificateBundle(caPem))).revoked;
  } catch (err) {
    if (err instanceof PkiError) return undefined; // a damaged local CRL is not what doctor diagnoses
    throw err;
  }
}

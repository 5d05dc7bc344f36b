import { Command } from 'commander';
import { EXIT, ExitWith } from '../exit-codes';
import { withHelp } from '../help';
import { addConnectionFlags, connectionFromFlags } from './connection-flags';

export function doctorCommand(): Command {
  const cmd = new Command('doctor')
    .description('check the way to a server step by step (TCP, TLS, certificates both ways, WhoAmI, health) and say what to fix')
    .argument('<address>', 'server address: HOST:PORT, or unix:///PATH for a unix socket');
  addConnectionFlags(cmd);
  cmd.action(async (address: string, opts) => {
    const { options, identity } = connectionFromFlags(address, opts);
    // Loaded here, not at start-up: the health client parses its .proto when loaded.
    const { DOCTOR_STEPS, runDoctor } = await import('../../client/doctor');
    const revoked = await options.localRevocation?.();
    console.log(`certrpc doctor ${address} as ${identity.description}`);
    const width = Math.max(...DOCTOR_STEPS.map((s) => s.title.length));
    const seen = new Set<string>();
    let failed = false;
    for await (const step of runDoctor(options, { revoked })) {
      seen.add(step.name);
      console.log(`  ${step.skipped ? 'skip' : step.ok ? 'ok  ' : 'FAIL'}  ${step.title.padEnd(width)}  ${step.detail}`);
      if (step.fix) console.log(`  ${' '.repeat(4)}  ${' '.repeat(width)}  fix: ${step.fix}`);
      failed ||= !step.ok;
    }
    for (const step of DOCTOR_STEPS.filter((s) => !seen.has(s.name))) console.log(`  -     ${step.title.padEnd(width)}  not run`);
    if (failed) throw new ExitWith(EXIT.ERROR);
  });
  return withHelp(cmd, [
    'certrpc doctor 127.0.0.1:50051 --identity alice',
    'certrpc doctor api.internal:8443 --identity alice --dir ~/.certrpc',
    'certrpc doctor 10.0.0.7:8443 --identity alice --authority api.internal',
    'certrpc doctor unix:///run/certrpc/api.sock --identity alice   # a unix socket: the server is checked as localhost',
  ]);
}

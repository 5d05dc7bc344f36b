// bin/certrpc starts here: the calling verbs (call, list, describe, doctor) load only what they
// need (rpc/program.ts); everything else, help and --version included, gets the full CLI (main.ts).
import { RPC_VERBS } from './rpc/verbs';

export async function main(argv: string[] = process.argv): Promise<void> {
  // `certrpc ... | head`: the reader left, so nothing more can be said; stop quietly, as cat does.
  for (const out of [process.stdout, process.stderr]) {
    out.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
      process.exit(process.exitCode ?? 0);
    });
  }
  const entry = RPC_VERBS.includes(argv[2]) ? await import('./rpc/program') : await import('./main');
  await entry.main(argv);
}

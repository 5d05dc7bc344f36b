// bin/certrpc starts here: the calling verbs (call, list, describe, doctor) load only what they
// need (rpc/program.ts); everything else, help and --version included, gets the full CLI (main.ts).
import { RPC_VERBS } from './rpc/verbs';

export async function main(argv: string[] = process.argv): Promise<void> {
  const entry = RPC_VERBS.includes(argv[2]) ? await import('./rpc/program') : await import('./main');
  await entry.main(argv);
}

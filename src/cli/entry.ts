// bin/certrpc starts here: the calling verbs (call, list, describe, doctor) load only what they
// need (rpc/program.ts); everything else, help and --version included, gets the full CLI (main.ts).
import type * as RpcVerbsModule from './rpc/verbs';
import { loadVendorBundle, useVendorBundles } from './vendor-modules';
import type * as ServeProcessModule from './serve-process';

type Program = { main: (argv: string[]) => Promise<void> };

/**
 * The commands that run until stopped. The bundles buy start-up time, but a bundle's source text
 * (and the whole CLI's, in cli-main) stays in the heap for the life of the process, and a server's
 * heap size is GC cost on every call and message (docs/BENCHMARKS.md, Heap and GC): these run
 * from dist/ and node_modules, holding only the files they load.
 */
export function isLongRunning(argv: readonly string[]): boolean {
  const [command, sub] = argv.slice(2);
  return command === 'serve' || command === 'proxy' || command === 'agent' || (command === 'ca' && sub === 'serve');
}

export async function main(argv: string[] = process.argv): Promise<void> {
  const bundled = isLongRunning(argv) ? [] : useVendorBundles();
  // `certrpc ... | head`: the reader left, so nothing more can be said; stop quietly, as cat does.
  for (const out of [process.stdout, process.stderr]) {
    out.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
      process.exit(process.exitCode ?? 0);
    });
  }
  if (argv[2] === 'serve') {
    // Its arguments are parsed in a worker thread: commander stays out of the serving thread's heap.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const serve = require('./serve-process') as typeof ServeProcessModule;
    if (serve.canParseAside()) return serve.serveProcess(argv);
  }
  // Required here, not imported: its command table brings commander, which `serve` keeps out.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const rpc = (require('./rpc/verbs') as typeof RpcVerbsModule).RPC_VERBS.includes(argv[2]);
  // The same program as one file when the build made it (dist/vendor/, vendor-modules.ts).
  const name = rpc ? 'cli-rpc' : 'cli-main';
  const entry: Program = bundled.includes(name)
    ? (loadVendorBundle(name) as unknown as Program)
    : rpc
      ? await import('./rpc/program')
      : await import('./main');
  await entry.main(argv);
}

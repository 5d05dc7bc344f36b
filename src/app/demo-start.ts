// `npm start`: make the demo PKI if it is missing, serve the demo (as `certrpc serve --demo --policy
// policy.yaml` does), print what to try next.
import { join, relative } from 'node:path';
import { authorization } from '../authz/authorization';
import { createLogger } from '../log/logger';
import { PkiDir } from '../store/pki-dir';
import { formatHostPort } from '../text/host-port';
import { ensureDemoPki } from '../demo/demo-pki';
import { stopOnSignal } from '../server/stop-on-signal';
import { serveDirectory } from './serve-directory';

async function main(): Promise<void> {
  const pki = new PkiDir(process.env.CERTRPC_DIR ?? 'certs');
  const logger = createLogger({ name: 'certrpc-demo' });
  const created = await ensureDemoPki(pki);
  const dir = relative(process.cwd(), pki.dir) || '.';
  if (created.length > 0) console.log(`created in ${dir}/: ${created.join(', ')}`);
  const port = Number(process.env.PORT ?? 50051);
  // The demo policy at the repository root (dist/app/demo-start.js -> ../../policy.yaml); edit it while the demo runs.
  const policyFile = process.env.CERTRPC_POLICY ?? join(__dirname, '..', '..', 'policy.yaml');
  const authz = authorization({ policyFile, logger });
  const server = await serveDirectory({ pki, port, logger, authorization: authz, demo: true });
  const address = formatHostPort(server.listening!.host, server.listening!.port);
  // Same as certrpc serve: NOT_SERVING, drain up to 10 s (Ctrl-C twice skips it), flush the audit log, exit 0.
  // Installed before "listening on" is printed: a signal sent on reading it must not kill the process.
  const stopped = stopOnSignal(server, { graceMs: 10_000, logger, cleanups: [() => authz.close()] });
  console.log(`listening on ${address}
certrpc demo is serving demo.v1.KeyValue and certrpc.v1.Identity over mutual TLS. Try:
  ./bin/certrpc call ${address} certrpc.v1.Identity/WhoAmI --identity alice --dir ${dir}
  ./bin/certrpc call ${address} demo.v1.KeyValue/Put --identity alice --dir ${dir} -d '{"key":"greeting","value":"hello"}'
  ./bin/certrpc call ${address} demo.v1.KeyValue/Get --identity bob --dir ${dir} -d '{"key":"greeting"}'
  ./bin/certrpc call ${address} demo.v1.KeyValue/Put --identity bob --dir ${dir} -d '{"key":"greeting","value":"hi"}'   # denied: bob is a reader
  ./bin/certrpc policy explain ${relative(process.cwd(), policyFile)} --cn bob --method /demo.v1.KeyValue/Put
  ./bin/certrpc call ${address} certrpc.v1.Identity/WhoAmI --identity mallory --dir ${dir}   # refused: self-signed
  ./bin/certrpc cert inspect ${dir}/alice.crt
Ctrl-C stops.`);
  await stopped;
  process.exit(0);
}

main().catch((err) => {
  console.error(
    `certrpc demo: ${err instanceof Error && 'describe' in err ? (err as { describe(): string }).describe() : (err as Error).message}`,
  );
  process.exit(1);
});

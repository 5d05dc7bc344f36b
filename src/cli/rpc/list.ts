import { Command } from 'commander';
import { SymbolNotFoundError } from '../../client/schema';
import { parseSymbolName } from '../../client/symbol-name';
import { printable } from '../../text/printable';
import { CALL_EXIT_CODES_HELP, UsageError } from '../exit-codes';
import { withHelp } from '../help';
import { addConnectionFlags } from './connection-flags';
import { addRequestFlags } from './request-flags';
import { runSession } from './session';

export function listCommand(): Command {
  const cmd = new Command('list')
    .description("list a server's services, or one service's methods (from server reflection or --proto files)")
    .argument('<address>', 'server address: HOST:PORT, or unix:///PATH for a unix socket')
    .argument('[service]', 'list the methods of this service, e.g. demo.v1.KeyValue');
  addConnectionFlags(cmd);
  addRequestFlags(cmd);
  cmd.action(async (address: string, service: string | undefined, opts) => {
    const name = service === undefined ? undefined : parseSymbolName(service);
    if (service !== undefined && (!name || name.slashed))
      throw new UsageError(`bad service "${service}"`, 'write its full name, e.g. demo.v1.KeyValue');
    await runSession(address, opts, async (session) => {
      const schema = await session.schema();
      if (!service) {
        const names = await schema.listServices();
        session.verbose.step(`${names.length} services from ${schema.source.name}`);
        // The server's words, unchecked (a file's names are checked when read, these are not): escaped, one per line.
        for (const name of names) console.log(printable(name));
        if (opts.protosetOut) await session.saveSchema(await Promise.all(names.map(async (name) => (await schema.find(name)).element)));
        return;
      }
      const { element } = await schema.find(service);
      if (element.kind !== 'service') throw new SymbolNotFoundError(service, `${schema.source.name} as a service`);
      for (const method of element.methods) console.log(`${element.typeName}.${method.name}`);
      await session.saveSchema([element]);
    });
  });
  return withHelp(
    cmd,
    [
      'certrpc list 127.0.0.1:50051 --identity alice',
      'certrpc list 127.0.0.1:50051 demo.v1.KeyValue --identity alice',
      'certrpc list 10.0.0.7:8443 --identity alice --authority api.internal --proto api.proto --import-path protos',
      'certrpc list 127.0.0.1:50051 --identity alice --protoset-out api.protoset   # save the schema for servers without reflection',
      'certrpc list 127.0.0.1:50052 --identity alice --protoset api.protoset',
    ],
    CALL_EXIT_CODES_HELP,
  );
}

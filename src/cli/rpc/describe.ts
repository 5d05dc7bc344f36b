import { Command } from 'commander';
import { describeElement, serviceSource } from '../../client/proto-source';
import type { SchemaElement } from '../../client/schema';
import { parseSymbolName } from '../../client/symbol-name';
import { CALL_EXIT_CODES_HELP, UsageError } from '../exit-codes';
import { withHelp } from '../help';
import { addConnectionFlags } from './connection-flags';
import { addRequestFlags } from './request-flags';
import { runSession } from './session';

export function describeCommand(): Command {
  const cmd = new Command('describe')
    .description('print a service, method, message or enum as proto source (every service if SYMBOL is left out)')
    .argument('<address>', 'server address: HOST:PORT, or unix:///PATH for a unix socket')
    .argument('[symbol]', 'full name: demo.v1.KeyValue, demo.v1.KeyValue.Put (or demo.v1.KeyValue/Put), demo.v1.PutRequest');
  addConnectionFlags(cmd);
  addRequestFlags(cmd);
  cmd.action(async (address: string, symbol: string | undefined, opts) => {
    if (symbol !== undefined && !parseSymbolName(symbol))
      throw new UsageError(
        `bad symbol "${symbol}"`,
        'write a full name: demo.v1.KeyValue, demo.v1.KeyValue.Put (or demo.v1.KeyValue/Put), demo.v1.PutRequest',
      );
    await runSession(address, opts, async (session) => {
      const schema = await session.schema();
      if (symbol) {
        const { element } = await schema.find(symbol);
        console.log(describeElement(element));
        await session.saveSchema([element]);
        return;
      }
      const out: string[] = [];
      const services: SchemaElement[] = [];
      for (const name of await schema.listServices()) {
        const { element } = await schema.find(name);
        if (element.kind !== 'service') continue;
        out.push(`// ${element.typeName} is a service:\n${serviceSource(element)}`);
        services.push(element);
      }
      console.log(out.join('\n\n'));
      await session.saveSchema(services);
    });
  });
  return withHelp(
    cmd,
    [
      'certrpc describe 127.0.0.1:50051 demo.v1.KeyValue --identity alice',
      'certrpc describe 127.0.0.1:50051 demo.v1.KeyValue.Put --identity alice',
      'certrpc describe 127.0.0.1:50051 demo.v1.PutRequest --identity alice',
      'certrpc describe 127.0.0.1:50051 demo.v1.KeyValue --identity alice --protoset-out kv.protoset',
    ],
    CALL_EXIT_CODES_HELP,
  );
}

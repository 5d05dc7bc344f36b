import { Command, Option } from 'commander';
import { status as Status } from '@grpc/grpc-js';
import { DescMethod, Message } from '@bufbuild/protobuf';
import type { Readable } from 'node:stream';
import { invokeMethod, methodPath } from '../../client/dynamic-call';
import { MESSAGE_FORMATS, messageFormat, MessageFormat, MessageFormatName } from '../../client/message-format';
import { parseSymbolName, splitMember } from '../../client/symbol-name';
import { CALL_EXIT_CODES_HELP, EXIT, UsageError } from '../exit-codes';
import { withHelp } from '../help';
import { addConnectionFlags } from './connection-flags';
import { addRequestFlags } from './request-flags';
import { CallEnded } from './rpc-errors';
import { runSession } from './session';
import { plural } from './verbose';

/** Request messages in the shape the method takes: one for unary/server streaming, a stream for the rest. */
async function* requestsFor(method: DescMethod, format: MessageFormat, data: string | undefined, stdin: Readable): AsyncGenerator<Message> {
  if (method.methodKind === 'unary' || method.methodKind === 'server_streaming') {
    yield await format.single(method.input, data, stdin);
    return;
  }
  yield* format.stream(method.input, data, stdin);
}

interface CallFlags {
  data?: string;
  emitDefaults?: boolean;
  allowUnknownFields?: boolean;
  format: MessageFormatName;
}

function checkCallFlags(methodName: string, flags: CallFlags): void {
  const name = parseSymbolName(methodName);
  if (!name || !splitMember(name.canonical)) {
    throw new UsageError(
      `bad method "${methodName}"`,
      'write pkg.Service/Method, /pkg.Service/Method or pkg.Service.Method, e.g. demo.v1.KeyValue/Get',
    );
  }
  if (flags.format === 'text' && flags.emitDefaults)
    throw new UsageError(
      '--emit-defaults is for --format json',
      'the text format prints the fields that are set; leave out --emit-defaults, or use --format json',
    );
  if (flags.format === 'text' && flags.allowUnknownFields)
    throw new UsageError(
      '--allow-unknown-fields is for --format json',
      'the text format refuses unknown fields; leave out --allow-unknown-fields, or send JSON',
    );
}

export function callCommand(): Command {
  const cmd = new Command('call')
    .description('call a method: JSON (or protobuf text) in, the same out, one message per line for JSON streams; over mutual TLS')
    .argument('<address>', 'server address: HOST:PORT, or unix:///PATH for a unix socket')
    .argument('<method>', 'pkg.Service/Method, /pkg.Service/Method or pkg.Service.Method, e.g. demo.v1.KeyValue/Get')
    .option(
      '-d, --data <data>',
      "the request: '{...}' (or text format with --format text), @FILE or @- (stdin); JSON streams take one message per line, text streams separate messages with 0x1E",
    )
    .addOption(
      new Option('--format <format>', 'the request and response format: json (proto3 JSON) or text (protobuf text format)')
        .choices(MESSAGE_FORMATS)
        .default('json'),
    )
    .option('--emit-defaults', 'print fields that hold their default value (0, "", false, []) (JSON)')
    .option('--allow-unknown-fields', 'ignore request fields the message type does not have, instead of refusing the request (JSON)');
  addConnectionFlags(cmd);
  addRequestFlags(cmd);
  cmd.action(async (address: string, methodName: string, opts) => {
    checkCallFlags(methodName, opts);
    // `certrpc call ... Watch | head -1`: the reader has what it wanted once it closes the pipe.
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(EXIT.OK);
    });
    try {
      await runSession(address, opts, async (session) => {
        const schema = await session.schema();
        const { method, registry } = await schema.method(methodName);
        session.callRegistry = registry;
        session.verbose.step(`${methodPath(method)} is ${method.methodKind.replace('_', ' ')}, schema from ${schema.source.name}`);
        await session.saveSchema([method]);
        session.phase = 'call';
        const format = messageFormat(opts.format, {
          registry,
          emitDefaults: Boolean(opts.emitDefaults),
          allowUnknownFields: Boolean(opts.allowUnknownFields),
        });
        session.verbose.sent(methodPath(method), session.metadata);
        let printed = 0;
        const result = await invokeMethod(
          session.connection.client,
          method,
          requestsFor(method, format, opts.data, process.stdin),
          (message) => process.stdout.write(format.print(method.output, message, printed++)),
          { metadata: session.metadata, deadline: session.deadline, onHeaders: (headers) => session.verbose.receivedHeaders(headers) },
        );
        session.verbose.receivedStatus(result.status);
        session.verbose.step(`sent ${plural(result.sent, 'message')}, received ${plural(result.received, 'message')}`);
        if (result.status.code !== Status.OK) throw new CallEnded(result.status);
      });
    } finally {
      // A bidi call may end (server status) while stdin is still open: stop reading it so we exit.
      process.stdin.destroy();
    }
  });
  return withHelp(
    cmd,
    [
      'certrpc call 127.0.0.1:50051 certrpc.v1.Identity/WhoAmI --identity alice',
      `certrpc call 127.0.0.1:50051 demo.v1.KeyValue/Put --identity alice -d '{"key":"greeting","value":"hello"}'`,
      `echo '{"key":"greeting"}' | certrpc call 127.0.0.1:50051 demo.v1.KeyValue/Get --identity bob -d @-`,
      `certrpc call 127.0.0.1:50051 demo.v1.KeyValue/Get --identity bob --format text -d 'key: "greeting"'`,
      `certrpc call 127.0.0.1:50051 demo.v1.KeyValue/Watch --identity bob -d '{"prefix":"room/"}' | jq .`,
      `printf '{"message":"a"}\\n{"message":"b"}\\n' | certrpc call 127.0.0.1:50051 demo.v1.Echo/Chat --identity alice -d @-`,
      `certrpc call 127.0.0.1:50051 demo.v1.KeyValue/Put --identity bob -d '{"key":"a"}' --format-error   # {"code":7,"name":"PERMISSION_DENIED",...} on stderr, exit 71`,
      `certrpc call 127.0.0.1:50051 demo.v1.KeyValue/Get --identity alice --proto demo/v1/kv.proto --import-path proto -d '{"key":"a"}'`,
      `certrpc call 127.0.0.1:50051 demo.v1.KeyValue/Get --identity alice --protoset kv.protoset -d '{"key":"a"}'   # made with --protoset-out kv.protoset`,
      `certrpc call unix:///run/certrpc/api.sock certrpc.v1.Identity/WhoAmI --identity alice   # verified as "localhost" unless --authority`,
    ],
    CALL_EXIT_CODES_HELP,
  );
}

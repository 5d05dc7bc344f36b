import { Command } from 'commander';
import { status as Status } from '@grpc/grpc-js';
import { DescMethod, Message } from '@bufbuild/protobuf';
import type { Readable } from 'node:stream';
import { invokeMethod, methodPath } from '../../client/dynamic-call';
import { JsonCodec } from '../../client/json-codec';
import { singleRequest, streamRequests } from '../../client/request-input';
import { CALL_EXIT_CODES_HELP, EXIT, UsageError } from '../exit-codes';
import { withHelp } from '../help';
import { addConnectionFlags } from './connection-flags';
import { addRequestFlags } from './request-flags';
import { statusExit } from './rpc-errors';
import { runSession } from './session';
import { plural } from './verbose';

const METHOD_NAME = /^\.?[A-Za-z_][\w.]*[./][A-Za-z_]\w*$/;

/** Request messages in the shape the method takes: one for unary/server streaming, NDJSON for the rest. */
async function* requestsFor(method: DescMethod, codec: JsonCodec, data: string | undefined, stdin: Readable): AsyncGenerator<Message> {
  if (method.methodKind === 'unary' || method.methodKind === 'server_streaming') {
    yield codec.request(method.input, await singleRequest(data, stdin));
    return;
  }
  for await (const request of streamRequests(data, stdin)) yield codec.request(method.input, request);
}

export function callCommand(): Command {
  const cmd = new Command('call')
    .description('call a method with JSON in, JSON out (one message per line for streams), over mutual TLS')
    .argument('<address>', 'server address, HOST:PORT')
    .argument('<method>', 'pkg.Service/Method or pkg.Service.Method, e.g. demo.v1.KeyValue/Get')
    .option('-d, --data <json>', "request as JSON: '{...}', @FILE or @- (stdin); streams take one JSON message per line")
    .option('--emit-defaults', 'print fields that hold their default value (0, "", false, [])');
  addConnectionFlags(cmd);
  addRequestFlags(cmd);
  cmd.action(async (address: string, methodName: string, opts) => {
    if (!METHOD_NAME.test(methodName)) throw new UsageError(`bad method "${methodName}"`, 'write pkg.Service/Method or pkg.Service.Method, e.g. demo.v1.KeyValue/Get');
    // `certrpc call ... Watch | head -1`: the reader has what it wanted once it closes the pipe.
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(EXIT.OK);
    });
    try {
      await runSession(address, opts, async (session) => {
        const schema = await session.schema();
        const { method, registry } = await schema.method(methodName);
        session.verbose.step(`${methodPath(method)} is ${method.methodKind.replace('_', ' ')}, schema from ${schema.source.name}`);
        session.phase = 'call';
        const codec = new JsonCodec({ registry, emitDefaults: Boolean(opts.emitDefaults) });
        session.verbose.sent(methodPath(method), session.metadata);
        const result = await invokeMethod(
          session.connection.client,
          method,
          codec,
          requestsFor(method, codec, opts.data, process.stdin),
          (message) => process.stdout.write(`${codec.response(method.output, message)}\n`),
          { metadata: session.metadata, deadline: session.deadline, onHeaders: (headers) => session.verbose.receivedHeaders(headers) },
        );
        session.verbose.receivedStatus(result.status);
        session.verbose.step(`sent ${plural(result.sent, 'message')}, received ${plural(result.received, 'message')}`);
        if (result.status.code !== Status.OK) throw statusExit(result.status);
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
      `certrpc call 127.0.0.1:50051 demo.v1.KeyValue/Watch --identity bob -d '{"prefix":"room/"}' | jq .`,
      `printf '{"message":"a"}\\n{"message":"b"}\\n' | certrpc call 127.0.0.1:50051 demo.v1.Echo/Chat --identity alice -d @-`,
      `certrpc call 127.0.0.1:50051 demo.v1.KeyValue/Get --identity alice --proto demo/v1/kv.proto --import-path proto -d '{"key":"a"}'`,
    ],
    CALL_EXIT_CODES_HELP,
  );
}

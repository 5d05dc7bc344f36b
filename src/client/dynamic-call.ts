// Calls any method by its descriptor, in all four shapes, on a plain grpc-js Client. Requests
// come from an async source (so a bidi call can follow stdin); each response goes to onResponse as
// it arrives. Resolves with the final status whatever it is: the caller decides what a failure means.
import { Client, ClientDuplexStream, ClientWritableStream, Metadata, ServiceError, status as Status, StatusObject } from '@grpc/grpc-js';
import { DescMethod, fromBinary, Message, toBinary } from '@bufbuild/protobuf';
import { once } from 'node:events';

export interface DynamicCallOptions {
  metadata: Metadata;
  /** Epoch ms; the whole call must end by then (DEADLINE_EXCEEDED otherwise). */
  deadline?: number;
  /** Told of the response headers as they arrive (a stream's are its sign of life). */
  onHeaders?: (headers: Metadata) => void;
}

export interface DynamicCallResult {
  status: StatusObject;
  /** Response headers, if the server sent any before its status. */
  headers?: Metadata;
  sent: number;
  received: number;
}

type Requests = AsyncIterable<Message>;

export function methodPath(method: DescMethod): string {
  return `/${method.parent.typeName}/${method.name}`;
}

export async function invokeMethod(
  client: Client,
  method: DescMethod,
  requests: Requests,
  onResponse: (message: Message) => void,
  options: DynamicCallOptions,
): Promise<DynamicCallResult> {
  const path = methodPath(method);
  const serialize = (message: Message) => Buffer.from(toBinary(method.input, message));
  const deserialize = (bytes: Buffer) => fromBinary(method.output, bytes);
  const callOptions = { deadline: options.deadline };
  const result: DynamicCallResult = { status: { code: Status.UNKNOWN, details: '', metadata: new Metadata() }, sent: 0, received: 0 };
  const receive = (message: Message) => {
    result.received++;
    onResponse(message);
  };
  // A unary answer without a message is an error grpc-js reports through the callback only.
  let callbackError: ServiceError | undefined;
  const unaryCallback = (err: ServiceError | null, value?: Message) => {
    if (err) callbackError = err;
    else if (value) receive(value);
  };

  let call;
  if (method.methodKind === 'unary' || method.methodKind === 'server_streaming') {
    const request = await first(requests);
    result.sent = 1;
    call =
      method.methodKind === 'unary'
        ? client.makeUnaryRequest(path, serialize, deserialize, request, options.metadata, callOptions, unaryCallback)
        : client.makeServerStreamRequest(path, serialize, deserialize, request, options.metadata, callOptions);
  } else {
    call =
      method.methodKind === 'client_streaming'
        ? client.makeClientStreamRequest(path, serialize, deserialize, options.metadata, callOptions, unaryCallback)
        : client.makeBidiStreamRequest(path, serialize, deserialize, options.metadata, callOptions);
  }
  call.on('metadata', (headers: Metadata) => {
    result.headers = headers;
    options.onHeaders?.(headers);
  });
  if (method.methodKind === 'server_streaming' || method.methodKind === 'bidi_streaming') call.on('data', receive);
  // Stream errors are the status, reported below; an unhandled 'error' event would crash instead.
  call.on('error', () => undefined);
  const ended = once(call, 'status').then(([status]) => status as StatusObject);

  if (method.methodKind === 'client_streaming' || method.methodKind === 'bidi_streaming') {
    const writable = call as ClientWritableStream<Message> | ClientDuplexStream<Message, Message>;
    try {
      await pump(requests, writable, ended, () => result.sent++);
    } catch (err) {
      writable.cancel();
      throw err;
    }
  }
  const status = await ended;
  result.status = callbackError ? { code: callbackError.code, details: callbackError.details, metadata: callbackError.metadata } : status;
  return result;
}

async function first(requests: Requests): Promise<Message> {
  for await (const request of requests) return request;
  throw new Error('no request message');
}

/** Writes requests as they come, respecting back-pressure; stops early if the call has ended. */
async function pump(requests: Requests, call: ClientWritableStream<Message>, ended: Promise<unknown>, onSent: () => void): Promise<void> {
  let done = false;
  void ended.then(() => (done = true));
  const iterator = requests[Symbol.asyncIterator]();
  for (;;) {
    const next = await Promise.race([iterator.next(), ended.then(() => undefined)]);
    if (!next || next.done || done) break;
    onSent();
    if (!call.write(next.value)) await Promise.race([once(call, 'drain'), ended]);
  }
  if (done) await iterator.return?.();
  else call.end();
}

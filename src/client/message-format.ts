// How `certrpc call` reads requests and prints responses: proto3 JSON (one message per line) or
// the protobuf text format (messages separated by 0x1E, as grpcurl does). One interface, so the
// call itself does not care which.
import { DescMessage, FileRegistry, Message } from '@bufbuild/protobuf';
import type { Readable } from 'node:stream';
import { printableJson } from '../text/printable';
import { JsonCodec } from './json-codec';
import { singleRequest, streamRequests } from './request-input';
import { TextCodec } from './text-codec';
import { RECORD_SEPARATOR, singleTextRequest, textStreamRequests } from './text-input';

export const MESSAGE_FORMATS = ['json', 'text'] as const;
export type MessageFormatName = (typeof MESSAGE_FORMATS)[number];

export interface MessageFormatOptions {
  registry: FileRegistry;
  /** JSON only: print fields that hold their default value. */
  emitDefaults?: boolean;
  /** JSON only: ignore request fields the message type does not have. */
  allowUnknownFields?: boolean;
}

export interface MessageFormat {
  /** The one request of a unary or server-streaming call (no input: the empty message). */
  single(schema: DescMessage, data: string | undefined, stdin: Readable): Promise<Message>;
  /** The requests of a client- or bidi-streaming call, as they arrive. */
  stream(schema: DescMessage, data: string | undefined, stdin: Readable): AsyncGenerator<Message>;
  /** What to print for the index-th response (0 first), newline included. */
  print(schema: DescMessage, message: Message, index: number): string;
}

export function messageFormat(name: MessageFormatName, options: MessageFormatOptions): MessageFormat {
  if (name === 'text') {
    const codec = new TextCodec(options.registry);
    return {
      single: async (schema, data, stdin) => codec.request(schema, await singleTextRequest(data, stdin)),
      async *stream(schema, data, stdin) {
        for await (const request of textStreamRequests(data, stdin)) yield codec.request(schema, request);
      },
      print: (schema, message, index) => `${index > 0 ? RECORD_SEPARATOR : ''}${codec.response(schema, message)}\n`,
    };
  }
  const codec = new JsonCodec(options);
  return {
    single: async (schema, data, stdin) => codec.request(schema, await singleRequest(data, stdin)),
    async *stream(schema, data, stdin) {
      for await (const request of streamRequests(data, stdin)) yield codec.request(schema, request);
    },
    // The same JSON value, with what JSON.stringify leaves raw (bidi overrides, C1) escaped: safe on a terminal.
    print: (schema, message) => `${printableJson(codec.response(schema, message))}\n`,
  };
}

// Proto3 JSON <-> protobuf messages for dynamically described methods (@bufbuild/protobuf: the
// canonical JSON mapping, well-known types and Any included).
import { DescMessage, FileRegistry, fromBinary, fromJson, JsonValue, Message, toBinary, toJsonString } from '@bufbuild/protobuf';
import { PkiError } from '../pki/errors';
import type { JsonRequest } from './request-input';

export interface JsonCodecOptions {
  registry: FileRegistry;
  /** Print fields that hold their default value (0, "", false, []) too. */
  emitDefaults?: boolean;
  /** Ignore request fields the message type does not have, instead of refusing the request. */
  allowUnknownFields?: boolean;
}

export class JsonCodec {
  constructor(private readonly options: JsonCodecOptions) {}

  /** A request from its JSON; names the input line and the type when it does not fit. */
  request(schema: DescMessage, request: JsonRequest): Message {
    try {
      return fromJson(schema, request.value as JsonValue, {
        registry: this.options.registry,
        ignoreUnknownFields: this.options.allowUnknownFields ?? false,
      });
    } catch (err) {
      throw new PkiError(
        `${request.where} is not a valid ${schema.typeName}: ${(err as Error).message.replace(/^cannot decode message [\w.]+ from JSON: /, '')}`,
        {
          option: 'data',
          fix: `check the field names and types: certrpc describe ADDR ${schema.typeName}`,
        },
      );
    }
  }

  /** One line of proto3 JSON, for NDJSON output. */
  response(schema: DescMessage, message: Message): string {
    return toJsonString(schema, message, { registry: this.options.registry, alwaysEmitImplicit: this.options.emitDefaults ?? false });
  }

  serializer(schema: DescMessage): (message: Message) => Buffer {
    return (message) => Buffer.from(toBinary(schema, message));
  }

  deserializer(schema: DescMessage): (bytes: Buffer) => Message {
    return (bytes) => fromBinary(schema, bytes);
  }
}

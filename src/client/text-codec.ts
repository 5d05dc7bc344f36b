// The protobuf text format (`--format text`), in and out, through @bufbuild/protobuf's txtpb
// (the same registry as JSON, so Any and extensions resolve the same way).
import { DescMessage, FileRegistry, Message } from '@bufbuild/protobuf';
import { fromText, toText } from '@bufbuild/protobuf/txtpb';
import { PkiError } from '../pki/errors';
import type { TextRequest } from './text-input';

export class TextCodec {
  constructor(private readonly registry: FileRegistry) {}

  /** A request from its text; names the record and the type when it does not fit. */
  request(schema: DescMessage, request: TextRequest): Message {
    try {
      return fromText(schema, request.text, { registry: this.registry });
    } catch (err) {
      throw new PkiError(`${request.where} is not a valid ${schema.typeName} in text format: ${(err as Error).message}`, {
        option: 'data',
        fix: `write the fields as name: value, e.g. key: "a" (nested: inner { ... }); certrpc describe ADDR ${schema.typeName} shows them`,
      });
    }
  }

  /** The message in text format, without the trailing newline (the caller separates messages). */
  response(schema: DescMessage, message: Message): string {
    return toText(schema, message, { registry: this.registry }).replace(/\n$/, '');
  }
}

// A call's final status as one JSON object (`--format-error`): code, its name, the message, and
// the details a server packs into the grpc-status-details-bin trailer (a google.rpc.Status whose
// details are Any messages), each printed as proto3 JSON when its type can be found, else as its
// type URL and base64 bytes (grpcurl's fallback shape).
import { create, createFileRegistry, createRegistry, DescMessage, fromBinary, JsonObject, Registry, toJson } from '@bufbuild/protobuf';
import { Any, AnySchema, file_google_protobuf_any, FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { Metadata, status as Status } from '@grpc/grpc-js';
import { BUILT_IN } from './schema';

const DETAILS_KEY = 'grpc-status-details-bin';

// google/rpc/status.proto, three fields: described here rather than shipped as a .proto and parsed
// (protobufjs) or generated, since nothing else in certrpc uses it.
let statusSchema: DescMessage | undefined;
function rpcStatusSchema(): DescMessage {
  statusSchema ??= createFileRegistry(
    create(FileDescriptorProtoSchema, {
      name: 'google/rpc/status.proto',
      package: 'google.rpc',
      syntax: 'proto3',
      dependency: ['google/protobuf/any.proto'],
      messageType: [
        {
          name: 'Status',
          field: [
            { name: 'code', jsonName: 'code', number: 1, type: 5 /* int32 */, label: 1 },
            { name: 'message', jsonName: 'message', number: 2, type: 9 /* string */, label: 1 },
            {
              name: 'details',
              jsonName: 'details',
              number: 3,
              type: 11 /* message */,
              label: 3 /* repeated */,
              typeName: '.google.protobuf.Any',
            },
          ],
        },
      ],
    }),
    (name) => (name === file_google_protobuf_any.proto.name ? file_google_protobuf_any : undefined),
  ).getMessage('google.rpc.Status')!;
  return statusSchema;
}

export interface StatusJson {
  code: number;
  name: string;
  message: string;
  details: JsonObject[];
}

/** The Any messages of the details trailer; undefined when there is none, an Error when it is not a google.rpc.Status. */
export function statusDetails(metadata: Metadata | undefined): Any[] | Error | undefined {
  const value = metadata?.get(DETAILS_KEY)[0];
  if (value === undefined) return undefined;
  try {
    const decoded = fromBinary(rpcStatusSchema(), Buffer.isBuffer(value) ? value : Buffer.from(value, 'base64')) as unknown as {
      details: Any[];
    };
    return decoded.details;
  } catch (err) {
    return err as Error;
  }
}

/** The type name in an Any's URL ("type.googleapis.com/google.rpc.ErrorInfo" -> google.rpc.ErrorInfo). */
export function anyTypeName(any: Any): string {
  return any.typeUrl.slice(any.typeUrl.lastIndexOf('/') + 1);
}

/** `registryFor(typeName)` finds the schema of a detail's type (the call's files, reflection, --protoset). */
export async function statusJson(
  status: { code: number; details: string; metadata?: Metadata },
  registryFor: (typeName: string) => Promise<Registry | undefined>,
): Promise<StatusJson> {
  const found = statusDetails(status.metadata);
  const details: JsonObject[] = [];
  if (found instanceof Error) details.push({ '@error': `${DETAILS_KEY} is not a google.rpc.Status: ${found.message}` });
  for (const any of found instanceof Error ? [] : (found ?? [])) details.push(await detailJson(any, registryFor));
  return { code: status.code, name: Status[status.code] ?? `STATUS_${status.code}`, message: status.details, details };
}

/** The well-known types (google.protobuf.*) every protobuf runtime knows, for details the schema does not declare. */
let wellKnown: Registry | undefined;
function wellKnownTypes(): Registry {
  wellKnown ??= createRegistry(...BUILT_IN.values());
  return wellKnown;
}

async function detailJson(any: Any, registryFor: (typeName: string) => Promise<Registry | undefined>): Promise<JsonObject> {
  const typeName = anyTypeName(any);
  const registry = wellKnownTypes().getMessage(typeName) ? wellKnownTypes() : await registryFor(typeName).catch(() => undefined);
  if (registry) {
    try {
      return toJson(AnySchema, any, { registry }) as JsonObject;
    } catch {
      // the bytes do not fit the type the server named: fall back to the raw form below
    }
  }
  return { '@type': any.typeUrl, '@value': Buffer.from(any.value).toString('base64') };
}

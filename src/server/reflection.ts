// gRPC server reflection (grpc.reflection.v1 and v1alpha), so `certrpc list/describe/call` and
// grpcurl find a server's schema without .proto files. Reflection runs behind the call gate like
// any other service: only callers the policy lets in can read the schema.
import { Server, ServiceDefinition } from '@grpc/grpc-js';
import { loadSync, PackageDefinition } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { HEALTH_PROTO_DIR, HEALTH_PROTO_FILE } from './health';

/** certrpc's own protos (certrpc.v1, demo.v1): beside dist/ and src/ in the package. */
export const CERTRPC_PROTO_DIR = join(__dirname, '..', '..', 'proto');
const REFLECTION_PROTO_DIR = join(dirname(require.resolve('@grpc/reflection/package.json')), 'build', 'proto');
// v1 is in proto/ (certrpc's client is generated from it); v1alpha only ships with @grpc/reflection.
const REFLECTION_PROTO_FILES = ['grpc/reflection/v1alpha/reflection.proto'];
export const REFLECTION_SERVICES = ['grpc.reflection.v1.ServerReflection', 'grpc.reflection.v1alpha.ServerReflection'];

export interface ReflectionOptions {
  /** The schema of the application's own services (proto-loader's loadSync of its .proto files). */
  packageDefinition?: PackageDefinition;
}

function protoFilesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.proto'))
    .map((f) => relative(dir, join(dir, f)).split('\\').join('/'))
    .sort();
}

let certrpcSchema: PackageDefinition | undefined;

/** certrpc's protos plus health and reflection themselves, parsed once per process. */
export function certrpcPackageDefinition(): PackageDefinition {
  certrpcSchema ??= loadSync([...protoFilesUnder(CERTRPC_PROTO_DIR), HEALTH_PROTO_FILE, ...REFLECTION_PROTO_FILES], {
    includeDirs: [CERTRPC_PROTO_DIR, HEALTH_PROTO_DIR, REFLECTION_PROTO_DIR],
    // Field names as written (common_name, not commonName): reflection clients print them as proto source.
    keepCase: true,
  });
  return certrpcSchema;
}

/** "demo.v1.KeyValue" from a grpc-js service definition (its methods' paths are "/demo.v1.KeyValue/Get"). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function serviceNameOf(definition: ServiceDefinition<any>): string | undefined {
  const first = Object.values(definition)[0] as { path?: string } | undefined;
  return first?.path ? /^\/([^/]+)\//.exec(first.path)?.[1] : undefined;
}

/**
 * Adds reflection describing exactly the services the server serves (`served`): certrpc's proto/
 * holds the demo services too, and a server that does not serve them must not list them.
 * Returns the served services the schema does not describe, for the caller to log.
 */
export function addReflection(server: Server, served: string[], options: ReflectionOptions = {}): string[] {
  const schema = { ...certrpcPackageDefinition(), ...options.packageDefinition };
  const services = [...served, ...REFLECTION_SERVICES];
  new ReflectionService(schema, { services }).addToServer(server);
  return served.filter((name) => !(name in schema));
}

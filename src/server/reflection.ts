// gRPC server reflection (grpc.reflection.v1 and v1alpha), so `certrpc list/describe/call` and
// grpcurl find a server's schema without .proto files. Reflection runs behind the call gate like
// any other service: only callers the policy lets in can read the schema.
// What it describes: certrpc's own protos, and each of the user's services from the descriptors its
// definition carries (service-descriptors.ts: proto-loader's, or ts-proto's with outputSchema=true);
// a packageDefinition given in the options covers the rest.
import { Server, ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import { loadSync, PackageDefinition } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { Logger } from '../log/logger';
import { HEALTH_PROTO_DIR, HEALTH_PROTO_FILE } from './health';
import { descriptorsOf, ProtoMetadataLike } from './service-descriptors';

/** certrpc's own protos (certrpc.v1, demo.v1): beside dist/ and src/ in the package. */
export const CERTRPC_PROTO_DIR = join(__dirname, '..', '..', 'proto');
const REFLECTION_PROTO_DIR = join(dirname(require.resolve('@grpc/reflection/package.json')), 'build', 'proto');
// v1 is in proto/ (certrpc's client is generated from it); v1alpha only ships with @grpc/reflection.
const REFLECTION_PROTO_FILES = ['grpc/reflection/v1alpha/reflection.proto'];
export const REFLECTION_SERVICES = ['grpc.reflection.v1.ServerReflection', 'grpc.reflection.v1alpha.ServerReflection'];

export interface ReflectionOptions {
  /** The schema of services whose definitions carry none (proto-loader's loadSync of their .proto files). */
  packageDefinition?: PackageDefinition;
  /**
   * ts-proto `protoMetadata` exports (outputSchema=true) that are not found beside their service
   * definition by themselves: the generated code loaded as an ES module, or bundled.
   */
  protoMetadata?: ProtoMetadataLike[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDefinition = ServiceDefinition<any>;

/** A service reflection cannot describe, and why. */
export interface UndescribedService {
  service: string;
  problem: string;
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
export function serviceNameOf(definition: AnyDefinition): string | undefined {
  const first = Object.values(definition)[0] as { path?: string } | undefined;
  return first?.path ? /^\/([^/]+)\//.exec(first.path)?.[1] : undefined;
}

/**
 * The reflection service for exactly these services (and reflection itself): certrpc's proto/
 * holds the demo services too, and a server that does not serve them must not list them.
 */
function reflectionFor(
  definitions: readonly AnyDefinition[],
  options: ReflectionOptions,
  alsoServed: readonly string[] = [],
): { service: ReflectionService; undescribed: UndescribedService[] } {
  // Entries keyed by service name with the files that define it: all @grpc/reflection reads of a package definition.
  const schema: Record<string, unknown> = { ...certrpcPackageDefinition(), ...options.packageDefinition };
  const undescribed: UndescribedService[] = [];
  const served = [...alsoServed];
  for (const definition of definitions) {
    const name = serviceNameOf(definition);
    if (!name) continue;
    served.push(name);
    if (name in schema) continue;
    const found = descriptorsOf(definition, options.protoMetadata);
    if ('files' in found) schema[name] = { fileDescriptorProtos: found.files };
    else undescribed.push({ service: name, problem: found.problem });
  }
  return { service: new ReflectionService(schema as PackageDefinition, { services: [...served, ...REFLECTION_SERVICES] }), undescribed };
}

/**
 * createServer's reflection: describes the services defined so far, and `alsoServed` (by name, from
 * certrpc's own schema). Returns those it cannot describe, for the caller to log.
 */
export function addReflectionService(
  server: Server,
  definitions: readonly AnyDefinition[],
  options: ReflectionOptions = {},
  alsoServed: readonly string[] = [],
): UndescribedService[] {
  const { service, undescribed } = reflectionFor(definitions, options, alsoServed);
  service.addToServer(server);
  return undescribed;
}

/**
 * Reflection for a grpc-js Server you build yourself (with createInterceptor): one call, right
 * after `new Server(...)`. It describes every service added to that server from then on (it
 * follows the server's addService and removeService), from the descriptors their definitions carry.
 * Behind createInterceptor, reflection is a method like any other: the policy decides who may read it.
 */
export function addReflection(server: Server, options: ReflectionOptions & { logger?: Logger } = {}): void {
  const definitions: AnyDefinition[] = [];
  let current: UntypedServiceImplementation[] | undefined;
  const answering = (): UntypedServiceImplementation[] => {
    if (!current) {
      const { service, undescribed } = reflectionFor(definitions, options);
      current = registrationsOf(service).map((r) => r.implementation);
      if (undescribed.length > 0)
        options.logger?.warn(
          { services: undescribed },
          `reflection cannot describe ${undescribed.map((u) => `${u.service} (${u.problem})`).join('; ')}`,
        );
    }
    return current;
  };
  // grpc-js lists no services: the ones added from now on are seen here, on their way in.
  const add = server.addService.bind(server);
  const remove = server.removeService.bind(server);
  server.addService = (definition, implementation) => {
    add(definition, implementation);
    definitions.push(definition);
    current = undefined;
  };
  server.removeService = (definition) => {
    remove(definition);
    const at = definitions.indexOf(definition);
    if (at >= 0) definitions.splice(at, 1);
    current = undefined;
  };
  // Reflection's own services, each method answered by the reflection of the services there are at the time.
  for (const [i, { definition, implementation }] of registrationsOf(new ReflectionService({})).entries()) {
    const delegating = Object.fromEntries(
      Object.keys(implementation).map((method) => [
        method,
        (...args: unknown[]) => (answering()[i][method] as (...a: unknown[]) => void)(...args),
      ]),
    );
    add(definition, delegating);
  }
}

/** What ReflectionService.addToServer would add: its v1 and v1alpha definitions and handlers. */
function registrationsOf(service: ReflectionService): { definition: AnyDefinition; implementation: UntypedServiceImplementation }[] {
  const added: { definition: AnyDefinition; implementation: UntypedServiceImplementation }[] = [];
  service.addToServer({ addService: (definition, implementation) => added.push({ definition, implementation }) });
  return added;
}

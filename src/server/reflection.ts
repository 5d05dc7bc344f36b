// gRPC server reflection (grpc.reflection.v1 and v1alpha), so `certrpc list/describe/call` and
// grpcurl find a server's schema without .proto files. Reflection runs behind the call gate like
// any other service: only callers the policy lets in can read the schema.
// What it describes: certrpc's own protos, and each of the user's services from the descriptors its
// definition carries (service-descriptors.ts: proto-loader's, or ts-proto's with outputSchema=true);
// a packageDefinition given in the options covers the rest.
// createServer's reflection is built at the first reflection call, not at start (addReflectionService):
// protobufjs, proto-loader, @grpc/reflection and the schema they build are ~0.7 MB and more that a
// server would otherwise hold for its life, and every MB of its heap is GC work on every call
// (docs/BENCHMARKS.md, Heap and GC). Until then its two services are registered with byte-for-byte
// relays that decode and encode with @grpc/reflection's own definitions once it is loaded.
import {
  MethodDefinition,
  Server,
  ServerDuplexStream,
  ServiceDefinition,
  status as Status,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { PackageDefinition } from '@grpc/proto-loader';
import type { ReflectionService } from '@grpc/reflection';
import { EventEmitter } from 'node:events';
import { readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { Logger } from '../log/logger';
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

/** certrpc's protos (health's among them) plus reflection v1alpha, parsed once per process. */
export function certrpcPackageDefinition(): PackageDefinition {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { loadSync } = require('@grpc/proto-loader') as typeof import('@grpc/proto-loader');
  certrpcSchema ??= loadSync([...protoFilesUnder(CERTRPC_PROTO_DIR), ...REFLECTION_PROTO_FILES], {
    includeDirs: [CERTRPC_PROTO_DIR, REFLECTION_PROTO_DIR],
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
  return {
    service: new (reflectionModule().ReflectionService)(schema as PackageDefinition, { services: [...served, ...REFLECTION_SERVICES] }),
    undescribed,
  };
}

/**
 * createServer's reflection: describes the services defined so far, and `alsoServed` (by name, from
 * certrpc's own schema). Built at the first reflection call; `undescribed` is told then (once) of
 * the services it cannot describe, and `failed` if it cannot be built at all (that call and the
 * next ones end with INTERNAL; nothing else of the server is affected).
 */
export function addReflectionService(
  server: Server,
  definitions: readonly AnyDefinition[],
  options: ReflectionOptions = {},
  alsoServed: readonly string[] = [],
  told: { undescribed?: (services: UndescribedService[]) => void; failed?: (err: Error) => void } = {},
): void {
  const described = [...definitions];
  let built: Registration[] | Error | undefined;
  const answering = (): Registration[] | Error => {
    if (built) return built;
    try {
      const { service, undescribed } = reflectionFor(described, options, alsoServed);
      built = registrationsOf(service);
      if (undescribed.length > 0) told.undescribed?.(undescribed);
    } catch (err) {
      built = err as Error;
      told.failed?.(built);
    }
    return built;
  };
  for (const name of REFLECTION_SERVICES) {
    const path = `/${name}/ServerReflectionInfo`;
    server.addService(relayDefinition(path), {
      ServerReflectionInfo: (call: ServerDuplexStream<Buffer, Buffer>) => {
        const registrations = answering();
        const target = registrations instanceof Error ? undefined : registrations.find((r) => methodOf(r).path === path);
        if (!target) call.emit('error', { code: Status.INTERNAL, details: 'server reflection is not available' });
        else relay(call, target);
      },
    });
  }
}

type Registration = { definition: AnyDefinition; implementation: UntypedServiceImplementation };

const methodOf = (r: Registration) => Object.values(r.definition)[0] as MethodDefinition<unknown, unknown>;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const reflectionModule = () => require('@grpc/reflection') as typeof import('@grpc/reflection');

/** ServerReflectionInfo as bytes in, bytes out: decoded by the relay, with @grpc/reflection's definition. */
function relayDefinition(path: string): AnyDefinition {
  const bytes = (b: Buffer) => b;
  return {
    ServerReflectionInfo: {
      path,
      requestStream: true,
      responseStream: true,
      requestSerialize: bytes,
      requestDeserialize: bytes,
      responseSerialize: bytes,
      responseDeserialize: bytes,
      originalName: 'serverReflectionInfo',
    },
  };
}

/**
 * Hands a call to @grpc/reflection's handler as if grpc-js had decoded it with its definition: it
 * reads 'data' and 'end' and calls write() and end() (and nothing else). A request that does not
 * decode ends the call as grpc-js ends one (INTERNAL), never throws out of the event.
 */
function relay(call: ServerDuplexStream<Buffer, Buffer>, target: Registration): void {
  const method = methodOf(target);
  let failed = false;
  const facade = Object.assign(new EventEmitter(), {
    write: (message: unknown) => !failed && call.write(method.responseSerialize(message)),
    end: () => !failed && call.end(),
  });
  call.on('data', (bytes: Buffer) => {
    if (failed) return;
    let request: unknown;
    try {
      request = method.requestDeserialize(bytes);
    } catch (err) {
      failed = true;
      call.emit('error', { code: Status.INTERNAL, details: `Error deserializing request: ${(err as Error).message}` });
      return;
    }
    facade.emit('data', request);
  });
  call.on('end', () => facade.emit('end'));
  (target.implementation.ServerReflectionInfo as (stream: typeof facade) => void)(facade);
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
  for (const [i, { definition, implementation }] of registrationsOf(new (reflectionModule().ReflectionService)({})).entries()) {
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
function registrationsOf(service: ReflectionService): Registration[] {
  const added: Registration[] = [];
  service.addToServer({ addService: (definition, implementation) => added.push({ definition, implementation }) });
  return added;
}

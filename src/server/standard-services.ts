// The services every certrpc server offers besides the application's: health and (unless turned
// off) reflection. Both are added to the same grpc-js Server, so the call gate covers them too.
import { Server, ServiceDefinition } from '@grpc/grpc-js';
import { Logger } from '../log/logger';
import { HEALTH_SERVICE, ServerHealth } from './health';
import { addReflectionService, ReflectionOptions, serviceNameOf } from './reflection';

export interface StandardServiceOptions {
  /** false: no reflection (clients then need the .proto files). */
  reflection?: boolean | ReflectionOptions;
  logger: Logger;
}

/** Adds health and reflection for the services already defined; returns the health handle. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function addStandardServices(server: Server, definitions: ServiceDefinition<any>[], options: StandardServiceOptions): ServerHealth {
  const served = definitions.map(serviceNameOf).filter((n): n is string => n !== undefined);
  const health = new ServerHealth(served);
  health.addToServer(server);
  if (options.reflection !== false) {
    const reflection = typeof options.reflection === 'object' ? options.reflection : {};
    addReflectionService(server, definitions, reflection, [HEALTH_SERVICE], {
      // Told at the first reflection call, when the schema is built (reflection.ts).
      undescribed: (services) =>
        options.logger.warn(
          { services },
          `reflection cannot describe ${services.map((u) => `${u.service}: ${u.problem}`).join('; ')}; pass its schema as reflection.packageDefinition (proto-loader) or reflection.protoMetadata (ts-proto)`,
        ),
      failed: (err) => options.logger.error({ err: err.message }, `server reflection cannot be built: ${err.message}`),
    });
  }
  return health;
}

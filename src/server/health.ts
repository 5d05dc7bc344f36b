// The standard gRPC health service (grpc.health.v1.Health), behind the call gate like any other
// method. ServerHealth is the handle others flip: NOT_SERVING while draining, SERVING when ready.
import { Server } from '@grpc/grpc-js';
import { HealthImplementation, protoPath, ServingStatus } from 'grpc-health-check';
import { dirname, join } from 'node:path';

export type { ServingStatus };
export const HEALTH_SERVICE = 'grpc.health.v1.Health';
/** Where grpc-health-check keeps health.proto, for reflection: DIR + FILE = protoPath. */
export const HEALTH_PROTO_DIR = join(dirname(protoPath), '..', '..');
export const HEALTH_PROTO_FILE = 'health/v1/health.proto';

export class ServerHealth {
  private readonly implementation: HealthImplementation;
  private readonly statuses = new Map<string, ServingStatus>();

  /** `services`: fully qualified names, each with its own status; "" is the whole server. */
  constructor(
    readonly services: string[],
    initial: ServingStatus = 'SERVING',
  ) {
    this.implementation = new HealthImplementation();
    for (const name of ['', ...services]) this.set(initial, name);
  }

  /** One service's status ("" = the server as a whole); Watch streams see the change at once. */
  set(status: ServingStatus, service = ''): void {
    this.statuses.set(service, status);
    this.implementation.setStatus(service, status);
  }

  /** The whole server and every service, e.g. NOT_SERVING when shutdown begins. */
  setAll(status: ServingStatus): void {
    for (const name of this.statuses.keys()) this.set(status, name);
  }

  get(service = ''): ServingStatus | undefined {
    return this.statuses.get(service);
  }

  addToServer(server: Server): void {
    this.implementation.addToServer(server);
  }
}

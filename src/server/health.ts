// The standard gRPC health service (grpc.health.v1.Health), behind the call gate like any other
// method. ServerHealth is the handle others flip: NOT_SERVING while draining, SERVING when ready.
// Served from code generated from grpc's health.proto (proto/grpc/health/v1/, as the rest of
// src/gen/), with grpc-health-check's semantics (HealthImplementation): grpc-health-check builds its
// service with proto-loader and protobufjs at import, ~1.7 MB a server would hold for its life, and
// every MB of a server's heap is GC work on every call (docs/BENCHMARKS.md, Heap and GC).
import { sendUnaryData, Server, ServerUnaryCall, ServerWritableStream, status as Status } from '@grpc/grpc-js';
import {
  HealthCheckRequest,
  HealthCheckResponse,
  HealthCheckResponse_ServingStatus as Wire,
  HealthListRequest,
  HealthListResponse,
  HealthService,
} from '../gen/grpc/health/v1/health';

/** A status as grpc-health-check names them (and as certrpc's API always has). */
export type ServingStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';
export const HEALTH_SERVICE = 'grpc.health.v1.Health';

/** List answers at most this many services (grpc-health-check's and grpc-go's limit). */
const LIST_LIMIT = 100;

export class ServerHealth {
  private readonly statuses = new Map<string, ServingStatus>();
  private readonly watchers = new Map<string, Set<(status: ServingStatus) => void>>();

  /** `services`: fully qualified names, each with its own status; "" is the whole server. */
  constructor(
    readonly services: string[],
    initial: ServingStatus = 'SERVING',
  ) {
    for (const name of ['', ...services]) this.set(initial, name);
  }

  /** One service's status ("" = the server as a whole); Watch streams see the change at once. */
  set(status: ServingStatus, service = ''): void {
    this.statuses.set(service, status);
    for (const watcher of this.watchers.get(service) ?? []) watcher(status);
  }

  /** The whole server and every service, e.g. NOT_SERVING when shutdown begins. */
  setAll(status: ServingStatus): void {
    for (const name of this.statuses.keys()) this.set(status, name);
  }

  get(service = ''): ServingStatus | undefined {
    return this.statuses.get(service);
  }

  addToServer(server: Server): void {
    server.addService(HealthService, {
      check: (call: ServerUnaryCall<HealthCheckRequest, HealthCheckResponse>, callback: sendUnaryData<HealthCheckResponse>) => {
        const status = this.statuses.get(call.request.service);
        if (status) callback(null, { status: Wire[status] });
        else callback({ code: Status.NOT_FOUND, details: `Health status unknown for service ${call.request.service}` });
      },
      watch: (call: ServerWritableStream<HealthCheckRequest, HealthCheckResponse>) => {
        const service = call.request.service;
        const watcher = (status: ServingStatus) => call.write({ status: Wire[status] });
        const watching = this.watchers.get(service) ?? new Set();
        this.watchers.set(service, watching);
        watching.add(watcher);
        call.on('cancelled', () => {
          watching.delete(watcher);
          if (watching.size === 0 && this.watchers.get(service) === watching) this.watchers.delete(service);
        });
        watcher(this.statuses.get(service) ?? 'SERVICE_UNKNOWN');
      },
      list: (_call: ServerUnaryCall<HealthListRequest, HealthListResponse>, callback: sendUnaryData<HealthListResponse>) => {
        if (this.statuses.size > LIST_LIMIT) {
          callback({ code: Status.RESOURCE_EXHAUSTED, details: 'Too many services to list.' });
          return;
        }
        const statuses: HealthListResponse['statuses'] = {};
        for (const [service, status] of this.statuses) statuses[service] = { status: Wire[status] };
        callback(null, { statuses });
      },
    });
  }
}

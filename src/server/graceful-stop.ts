// How a certrpc server stops: report NOT_SERVING first (health watchers and load balancers move
// away), stop accepting, let calls in flight finish up to a grace period, then end the rest with
// UNAVAILABLE and a reason (instead of cutting connections mid-message), then close everything.
import { Server, status as Status } from '@grpc/grpc-js';
import type { Logger } from '../log/logger';
import type { CallsInFlight } from './calls-in-flight';
import { HEALTH_SERVICE, ServerHealth } from './health';

export interface StopParts {
  grpc: Server;
  health: ServerHealth;
  inFlight: CallsInFlight;
  /** Stops accepting connections; resolves once every connection is closed. */
  closeListener(): Promise<void>;
  logger: Logger;
}

export interface StopOptions {
  graceMs: number;
  /** Aborting it ends the grace period now (a second SIGTERM/SIGINT). */
  hurry?: AbortSignal;
}

export interface StopReport {
  /** Calls open when the drain began (health watches not counted). */
  inFlightAtStart: number;
  /** Calls ended with UNAVAILABLE because the grace period ran out. */
  cancelled: number;
}

/** After the grace period: how long the UNAVAILABLE statuses get to reach clients before connections are cut. */
const STATUS_FLUSH_MS = 1000;

const HEALTH_WATCH = `/${HEALTH_SERVICE}/Watch`;

export async function stopGracefully(parts: StopParts, options: StopOptions): Promise<StopReport> {
  const { grpc, health, inFlight, logger } = parts;
  health.setAll('NOT_SERVING');
  // A health watch never ends by itself: end it now, after the NOT_SERVING it was just sent,
  // or it would hold the drain open for the whole grace period.
  const watches = inFlight.end(Status.UNAVAILABLE, 'the server is shutting down', (ctx) => ctx.method === HEALTH_WATCH);
  const listenerClosed = parts.closeListener();
  const inFlightAtStart = inFlight.size - watches;
  const { [HEALTH_WATCH]: _ended, ...callsInFlight } = inFlight.byMethod();
  logger.info(
    { event: 'draining', graceMs: options.graceMs, callsInFlight },
    `draining: NOT_SERVING, no new connections, ${inFlightAtStart} calls in flight get up to ${options.graceMs} ms`,
  );

  const drained = new Promise<void>((resolve) => grpc.tryShutdown(() => resolve()));
  const finishedInTime = await Promise.race([drained.then(() => true), deadline(options.graceMs, options.hurry).then(() => false)]);
  let cancelled = 0;
  if (!finishedInTime) {
    cancelled = inFlight.end(
      Status.UNAVAILABLE,
      `the server is shutting down: this call was still running when its ${options.graceMs} ms grace period ended`,
    );
    logger.warn({ event: 'drain_deadline', cancelled }, `grace period over: ended ${cancelled} calls with UNAVAILABLE`);
    await Promise.race([drained, deadline(STATUS_FLUSH_MS)]);
    grpc.forceShutdown();
  }
  // Connections still handshaking are not grpc-js's to close; they end at the handshake timeout.
  await Promise.race([listenerClosed, deadline(STATUS_FLUSH_MS)]);
  return { inFlightAtStart, cancelled };
}

function deadline(ms: number, hurry?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (hurry?.aborted) return resolve();
    // Unref'd: once everything else has closed, a pending deadline must not keep the process alive.
    const timer = setTimeout(resolve, ms).unref();
    hurry?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

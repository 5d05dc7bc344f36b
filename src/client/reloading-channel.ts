// A grpc-js Channel whose credentials can be replaced while calls run. Each set of credentials gets
// its own grpc-js channel: new calls go to the newest, calls in progress finish where they started,
// and an old channel is closed once its last call has ended (or after maxDrainMs: closing then
// still lets calls already on the wire finish; only calls still waiting for a connection fail).
//
// Why not grpc-js's certificate providers (experimental.createCertificateProviderChannelCredentials)?
// They change the material of NEW connections only, and a channel keeps a healthy connection for
// its whole life: a long-lived client would go on presenting its old certificate (which `cert
// revoke --reason superseded` or `ca retire` may have ended) and trusting the old bundle. Their file
// watcher also reads the certificate and key separately, without checking that they belong together,
// and publishes "no credentials" when a read fails, where certrpc keeps the last good material.
import { Channel, ChannelCredentials, ChannelInterface, ChannelOptions, connectivityState, Deadline } from '@grpc/grpc-js';
import type { ServerSurfaceCall } from '@grpc/grpc-js/build/src/server-call';
import type { Call } from '@grpc/grpc-js/build/src/call-interface';

interface Generation {
  channel: Channel;
  active: number;
  retired: boolean;
  timer?: NodeJS.Timeout;
}

export class ReloadingChannel implements ChannelInterface {
  private current: Generation;
  private readonly draining = new Set<Generation>();
  private closed = false;

  constructor(
    private readonly target: string,
    credentials: ChannelCredentials,
    private readonly options: ChannelOptions = {},
    private readonly maxDrainMs = 60_000,
  ) {
    this.current = { channel: new Channel(target, credentials, options), active: 0, retired: false };
  }

  /** Calls started from now on use these credentials (on a new connection). */
  replaceCredentials(credentials: ChannelCredentials): void {
    if (this.closed) return;
    const old = this.current;
    this.current = { channel: new Channel(this.target, credentials, this.options), active: 0, retired: false };
    old.retired = true;
    this.draining.add(old);
    old.timer = setTimeout(() => this.closeGeneration(old), this.maxDrainMs);
    old.timer.unref();
    if (old.active === 0) this.closeGeneration(old);
  }

  /** Channels replaced and not yet closed (their calls are still running). */
  get drainingCount(): number {
    return this.draining.size;
  }

  close(): void {
    this.closed = true;
    for (const g of [...this.draining]) this.closeGeneration(g);
    this.current.channel.close();
  }

  getTarget(): string {
    return this.current.channel.getTarget();
  }

  getConnectivityState(tryToConnect: boolean): connectivityState {
    return this.current.channel.getConnectivityState(tryToConnect);
  }

  watchConnectivityState(currentState: connectivityState, deadline: Date | number, callback: (error?: Error) => void): void {
    this.current.channel.watchConnectivityState(currentState, deadline, callback);
  }

  getChannelzRef() {
    return this.current.channel.getChannelzRef();
  }

  createCall(
    method: string,
    deadline: Deadline,
    host: string | null | undefined,
    parentCall: ServerSurfaceCall | null,
    propagateFlags: number | null | undefined,
  ): Call {
    const generation = this.current;
    const call = generation.channel.createCall(method, deadline, host, parentCall, propagateFlags);
    generation.active += 1;
    // Count the call until its status arrives, so its channel is closed only after it.
    const start = call.start.bind(call);
    call.start = (metadata, listener) =>
      start(metadata, {
        onReceiveMetadata: (m) => listener.onReceiveMetadata(m),
        onReceiveMessage: (m) => listener.onReceiveMessage(m),
        onReceiveStatus: (status) => {
          generation.active -= 1;
          if (generation.retired && generation.active === 0) this.closeGeneration(generation);
          listener.onReceiveStatus(status);
        },
      });
    return call;
  }

  private closeGeneration(g: Generation): void {
    if (!this.draining.delete(g)) return;
    if (g.timer) clearTimeout(g.timer);
    g.channel.close();
  }
}

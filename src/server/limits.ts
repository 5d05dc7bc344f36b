// Every limit a certrpc server enforces, with its default, in ONE object. docs/LIMITS.md is this
// table rendered (limits.test.ts fails when they differ), `certrpc serve --limit NAME=VALUE` and
// the config file's `limits:` take these names, and createServer() turns them into grpc-js
// options, listener settings and call-gate stages. Defaults protect a small server: a few hundred
// clients, messages up to a few MiB.
import type { ChannelOptions } from '@grpc/grpc-js';
import { DEFAULT_LIMITS as LISTENER_DEFAULTS, ListenerLimits } from '../tls/mtls-listener';

const KiB = 1024;
const MiB = 1024 * KiB;

export interface LimitSpec {
  default: number;
  unit: 'bytes' | 'ms' | 'count';
  /** Who enforces it: a grpc-js option, the TLS listener, or certrpc's own code. */
  enforcedBy: string;
  /** What happens to a peer that goes over it. */
  effect: string;
}

export const LIMITS = {
  maxReceiveMessageBytes: {
    default: 4 * MiB,
    unit: 'bytes',
    enforcedBy: 'grpc.max_receive_message_length',
    effect: 'a larger request message ends the call with RESOURCE_EXHAUSTED',
  },
  maxSendMessageBytes: {
    default: 16 * MiB,
    unit: 'bytes',
    enforcedBy: 'grpc.max_send_message_length',
    effect: 'a larger response message ends the call with RESOURCE_EXHAUSTED',
  },
  maxMetadataBytes: {
    default: 8 * KiB,
    unit: 'bytes',
    enforcedBy: 'certrpc call gate (grpc-js has no server-side grpc.max_metadata_size)',
    effect: 'request metadata larger than this (names + values) ends the call with RESOURCE_EXHAUSTED',
  },
  maxConcurrentStreams: {
    default: 100,
    unit: 'count',
    enforcedBy: 'grpc.max_concurrent_streams (HTTP/2 SETTINGS)',
    effect: 'calls beyond this on one connection are refused by HTTP/2 (the client queues or sees UNAVAILABLE)',
  },
  maxConnections: {
    default: LISTENER_DEFAULTS.maxConnections,
    unit: 'count',
    enforcedBy: 'TLS listener (net.Server.maxConnections)',
    effect: 'connections beyond this are closed at once, counted as refused (TOO_MANY_CONNECTIONS)',
  },
  maxHandshakesPerAddress: {
    default: LISTENER_DEFAULTS.maxHandshakesPerAddress,
    unit: 'count',
    enforcedBy: 'TLS listener (certrpc handshake guard)',
    effect:
      'a connection from an address that already has this many handshakes in progress is closed at once (TOO_MANY_HANDSHAKES_FROM_ADDRESS)',
  },
  helloTimeoutMs: {
    default: LISTENER_DEFAULTS.helloTimeoutMs,
    unit: 'ms',
    enforcedBy: 'TLS listener (certrpc handshake guard)',
    effect: 'a peer that has sent no byte this long after connecting is dropped (ERR_TLS_HELLO_TIMEOUT)',
  },
  handshakeTimeoutMs: {
    default: LISTENER_DEFAULTS.handshakeTimeoutMs,
    unit: 'ms',
    enforcedBy: 'TLS listener (certrpc handshake guard: counted from accept, not reset by each byte)',
    effect: 'a peer that has not finished the TLS handshake this long after connecting is dropped (ERR_TLS_HANDSHAKE_TIMEOUT)',
  },
  idleConnectionTimeoutMs: {
    default: 5 * 60_000,
    unit: 'ms',
    enforcedBy: 'grpc.max_connection_idle_ms',
    effect: 'a connection with no call open for this long is closed with GOAWAY (clients reconnect when needed)',
  },
  keepaliveTimeMs: {
    default: 2 * 60_000,
    unit: 'ms',
    enforcedBy: 'grpc.keepalive_time_ms',
    effect: 'the server pings each connection this often, to find peers that vanished',
  },
  keepaliveTimeoutMs: {
    default: 20_000,
    unit: 'ms',
    enforcedBy: 'grpc.keepalive_timeout_ms',
    effect: 'a connection whose peer does not answer a ping within this is closed',
  },
  minClientPingIntervalMs: {
    default: 10_000,
    unit: 'ms',
    enforcedBy: 'certrpc ping policy (grpc-js servers do not enforce grpc.http2.min_ping_interval_without_data_ms)',
    effect:
      'a client ping sooner than this after its last ping is a strike, unless a new call started or the server sent call data (DATA, HEADERS, WINDOW_UPDATE) in between, as gRPC servers count it',
  },
  maxPingStrikes: {
    default: 2,
    unit: 'count',
    enforcedBy: 'certrpc ping policy',
    effect: 'one strike more and the connection is closed with GOAWAY ENHANCE_YOUR_CALM "too_many_pings"',
  },
} as const satisfies Record<string, LimitSpec>;

export type LimitName = keyof typeof LIMITS;
export type ServerLimits = Record<LimitName, number>;
export const LIMIT_NAMES = Object.keys(LIMITS) as LimitName[];

export const DEFAULT_SERVER_LIMITS: Readonly<ServerLimits> = Object.freeze(
  Object.fromEntries(LIMIT_NAMES.map((name) => [name, LIMITS[name].default])) as ServerLimits,
);

/** The defaults with the given overrides; undefined values keep the default. */
export function resolveLimits(overrides: Partial<ServerLimits> = {}): ServerLimits {
  const limits = { ...DEFAULT_SERVER_LIMITS };
  for (const name of LIMIT_NAMES) {
    const value = overrides[name];
    if (value !== undefined) limits[name] = value;
  }
  return limits;
}

/** The grpc-js Server options these limits set. */
export function grpcOptionsOf(limits: ServerLimits): ChannelOptions {
  return {
    'grpc.max_receive_message_length': limits.maxReceiveMessageBytes,
    'grpc.max_send_message_length': limits.maxSendMessageBytes,
    'grpc.max_concurrent_streams': limits.maxConcurrentStreams,
    'grpc.max_connection_idle_ms': limits.idleConnectionTimeoutMs,
    'grpc.keepalive_time_ms': limits.keepaliveTimeMs,
    'grpc.keepalive_timeout_ms': limits.keepaliveTimeoutMs,
  };
}

export function listenerLimitsOf(limits: ServerLimits): Required<ListenerLimits> {
  return {
    maxConnections: limits.maxConnections,
    handshakeTimeoutMs: limits.handshakeTimeoutMs,
    helloTimeoutMs: limits.helloTimeoutMs,
    maxHandshakesPerAddress: limits.maxHandshakesPerAddress,
  };
}

function formatDefault(spec: LimitSpec): string {
  const n = spec.default;
  if (spec.unit === 'bytes') return n % MiB === 0 ? `${n / MiB} MiB` : n % KiB === 0 ? `${n / KiB} KiB` : `${n} B`;
  if (spec.unit === 'ms') return n % 60_000 === 0 ? `${n / 60_000} min` : n % 1000 === 0 ? `${n / 1000} s` : `${n} ms`;
  return String(n);
}

/** The Markdown table docs/LIMITS.md holds (between its BEGIN/END markers). */
export function limitsTable(): string {
  const rows = LIMIT_NAMES.map((name) => {
    const spec: LimitSpec = LIMITS[name];
    const exact = spec.unit === 'count' ? '' : ` (${spec.default})`;
    return `| \`${name}\` | ${formatDefault(spec)}${exact} | ${spec.enforcedBy} | ${spec.effect} |`;
  });
  return ['| limit | default | enforced by | when a peer goes over it |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

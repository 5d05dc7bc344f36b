// The shape every benchmark scenario reports, so the driver prints one table and one JSON file.

export interface BenchOptions {
  /** Short smoke run (npm run bench -- --quick): small counts, every scenario still runs. */
  quick: boolean;
  durationSec: number;
  concurrency: number[];
  connections: number[];
}

export interface Measurement {
  /** What was measured, e.g. "certrpc unary c=16 conns=1". */
  label: string;
  count: number;
  errors: number;
  /** Primary throughput figure (requests, messages, handshakes or issuances per second). */
  perSecond?: number;
  latencyMs?: { fastest: number; average: number; slowest: number; p50: number; p90: number; p99: number };
  statusCodes?: Record<string, number>;
  server?: { cpuPercent?: number; rssMb?: number };
  /** Anything else worth a column (MB/s, ns/decision, RSS per connection...). */
  extra?: Record<string, number | string>;
}

export interface Comparison {
  /** e.g. "RPS certrpc/bare" */
  name: string;
  value: number;
  /** The target from the issue, e.g. ">= 0.95"; met is computed by the scenario. */
  target?: string;
  met?: boolean;
  /** Labels of the two measurements compared (value = subject / baseline), when the ratio is of two rows. */
  subject?: string;
  baseline?: string;
}

export interface ScenarioResult {
  scenario: string;
  measurements: Measurement[];
  comparisons: Comparison[];
  notes?: string[];
  /** Set by the driver: wall time of the scenario, and the error if it failed to complete. */
  seconds?: number;
  failed?: string;
}

export interface Scenario {
  name: string;
  run(options: BenchOptions): Promise<ScenarioResult>;
}

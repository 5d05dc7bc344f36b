// Scenario 3: new mTLS connections per second (full handshake + one Echo/Say call + close),
// ECDSA P-256 (certrpc's default) vs RSA-2048 (what openssl-made PKIs usually hold), on certrpc
// and on bare grpc-js; and TLS session resumption, which grpc-js clients never offer, measured
// with a raw Node tls + http2 client against certrpc's listener. Target: ECDSA >= 3x RSA-2048.
import { BenchOptions, Measurement, Scenario, ScenarioResult } from '../scenario';
import { Arm, runInterleaved } from '../lib/interleave';
import { LoadGenerator } from '../lib/load-generator';
import { armMeasurement, perSecond, ratio } from '../lib/measurement';
import { benchPki, BenchKeyType } from '../lib/bench-pki';
import { BenchServer } from '../lib/server-launcher';
import { clientTlsOf, startBare, startCertrpc } from '../lib/server-pair';
import { HandshakeJob } from '../lib/handshake-load';

const CONCURRENCY = 4;
const ECDSA_OVER_RSA_TARGET = { atLeast: 3 };

export const handshakesScenario: Scenario = {
  name: 'handshakes',
  async run(options: BenchOptions): Promise<ScenarioResult> {
    const { sets } = await benchPki();
    const servers: BenchServer[] = [];
    const load = await LoadGenerator.start();
    try {
      const arms: Arm[] = [];
      const add = (label: string, server: BenchServer, keyType: BenchKeyType, client: HandshakeJob['client'], resume = false) =>
        arms.push({
          label,
          server,
          run: (slice) =>
            load.handshakes({
              address: server.address,
              tls: clientTlsOf(sets[keyType]),
              concurrency: CONCURRENCY,
              client,
              resume,
              ...slice,
            }),
        });
      for (const keyType of ['ecdsa-p256', 'rsa-2048'] as const) {
        const certrpc = (await startCertrpc(sets[keyType])).server;
        const bare = await startBare(sets[keyType]);
        servers.push(certrpc, bare);
        add(`certrpc ${keyType} grpc-js`, certrpc, keyType, 'grpc');
        add(`bare ${keyType} grpc-js`, bare, keyType, 'grpc');
        add(`certrpc ${keyType} raw full`, certrpc, keyType, 'raw');
        if (keyType === 'ecdsa-p256') add(`certrpc ${keyType} raw resumed`, certrpc, keyType, 'raw', true);
      }
      const results = await runInterleaved(load, arms, {
        durationSec: options.durationSec,
        rounds: options.quick ? 1 : 2,
        warmupSec: options.quick ? 0.3 : 0.5,
      });
      const measurements = results.map((r) =>
        armMeasurement(
          r,
          r.load.resumed !== undefined || r.label.endsWith('resumed')
            ? { resumed: `${(((r.load.resumed ?? 0) / Math.max(1, r.load.count)) * 100).toFixed(0)}%` }
            : {},
        ),
      );
      const row = (label: string) => measurements.find((m) => m.label === label) as Measurement;
      return {
        scenario: 'handshakes',
        measurements,
        comparisons: [
          ratio(
            'handshakes/s ECDSA/RSA-2048 certrpc',
            row('certrpc ecdsa-p256 grpc-js'),
            row('certrpc rsa-2048 grpc-js'),
            perSecond,
            ECDSA_OVER_RSA_TARGET,
          ),
          ratio('handshakes/s ECDSA/RSA-2048 bare', row('bare ecdsa-p256 grpc-js'), row('bare rsa-2048 grpc-js'), perSecond),
          ratio(
            'handshakes/s ECDSA/RSA-2048 certrpc, raw client',
            row('certrpc ecdsa-p256 raw full'),
            row('certrpc rsa-2048 raw full'),
            perSecond,
          ),
          ratio('handshakes/s certrpc/bare ECDSA', row('certrpc ecdsa-p256 grpc-js'), row('bare ecdsa-p256 grpc-js'), perSecond),
          ratio(
            'handshakes/s resumed/full (raw client, certrpc)',
            row('certrpc ecdsa-p256 raw resumed'),
            row('certrpc ecdsa-p256 raw full'),
            perSecond,
          ),
        ],
        notes: [
          `each operation: new TCP + mTLS connection, one Echo/Say call, close; ${CONCURRENCY} in flight; CA, server and client keys all of the row's key type`,
          'grpc-js clients never resume TLS sessions (a new channel always does a full handshake); "raw" rows use Node tls.connect + http2 directly, "resumed" offers the session ticket of the previous connection (TLS 1.3)',
        ],
      };
    } finally {
      await load.stop();
      await Promise.all(servers.map((s) => s.stop()));
    }
  },
};

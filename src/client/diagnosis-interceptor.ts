// Replaces grpc-js's "14 UNAVAILABLE: No connection established" with the reason the connection
// failed, found by a diagnosis made only then (a one-off TLS probe with the same material, directly
// or through certrpc's proxy). Costs nothing on calls that succeed. One interceptor for every kind
// of channel: what differs is the diagnosis it is given.
import { InterceptingCall, Interceptor, Metadata, StatusObject, status as Status } from '@grpc/grpc-js';
import { ClientTlsMaterial } from '../tls/client-credentials';
import { formatFailure, TlsFailure } from '../tls/failure-reasons';
import { probeTls } from '../tls/probe';

/** Why connecting fails now, or undefined when it does not (the status is then left as it is). */
export type Diagnosis = (timeoutMs: number) => Promise<TlsFailure | undefined>;

const CONNECTION_FAILURE = /No connection established|Failed to connect|Connection dropped|ECONNREFUSED|alert|closed/i;
const DIAGNOSIS_TIMEOUT_MS = 3000;

/** A direct connection's diagnosis: a TLS handshake with the same material. */
export function probeDiagnosis(address: string, material: ClientTlsMaterial, authority?: string): Diagnosis {
  return async (timeoutMs) => {
    const result = await probeTls(address, material, { authority, timeoutMs });
    return result.ok ? undefined : result.failure;
  };
}

export function diagnosisInterceptor(diagnose: Diagnosis): Interceptor {
  return (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start(metadata, _listener, next) {
        next(metadata, {
          onReceiveStatus(status: StatusObject, nextStatus) {
            if (status.code !== Status.UNAVAILABLE || !CONNECTION_FAILURE.test(status.details)) return nextStatus(status);
            diagnose(DIAGNOSIS_TIMEOUT_MS).then(
              (failure) =>
                nextStatus(failure ? { ...status, details: formatFailure(failure), metadata: status.metadata ?? new Metadata() } : status),
              () => nextStatus(status),
            );
          },
        });
      },
    });
}

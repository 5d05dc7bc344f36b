// Replaces grpc-js's "14 UNAVAILABLE: No connection established" with the reason the
// connection failed, found by a one-off TLS probe with the same material. Costs nothing on
// calls that succeed.
import { InterceptingCall, Interceptor, Metadata, StatusObject, status as Status } from '@grpc/grpc-js';
import { ClientTlsMaterial } from '../tls/client-credentials';
import { formatFailure } from '../tls/failure-reasons';
import { probeTls } from '../tls/probe';

const CONNECTION_FAILURE = /No connection established|Failed to connect|Connection dropped|ECONNREFUSED|alert/i;

export function diagnosisInterceptor(address: string, material: ClientTlsMaterial, authority?: string): Interceptor {
  return (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start(metadata, _listener, next) {
        next(metadata, {
          onReceiveStatus(status: StatusObject, nextStatus) {
            if (status.code !== Status.UNAVAILABLE || !CONNECTION_FAILURE.test(status.details)) return nextStatus(status);
            probeTls(address, material, { authority, timeoutMs: 3000 }).then(
              (result) => nextStatus(result.ok ? status : { ...status, details: formatFailure(result.failure), metadata: status.metadata ?? new Metadata() }),
              () => nextStatus(status),
            );
          },
        });
      },
    });
}

import { Client, Metadata, ServiceError } from '@grpc/grpc-js';
import { createClient } from '../../src/client/create-client';
import { unary } from '../../src/client/unary';
import { IdentityClient, WhoAmIResponse } from '../../src/gen/certrpc/v1/identity';
import { KeyValueClient } from '../../src/gen/demo/v1/kv';
import { ClientTlsMaterial } from '../../src/tls/client-credentials';

export { unary };

/** Typed demo clients for one identity; close() closes both channels. */
export function demoClients(address: string, tls: ClientTlsMaterial, authority?: string) {
  const identity = createClient(IdentityClient, address, { tls, authority });
  const kv = createClient(KeyValueClient, address, { tls, authority });
  return {
    identity,
    kv,
    whoAmI: (): Promise<WhoAmIResponse> => unary(identity, identity.whoAmI, {}, new Metadata(), { deadline: Date.now() + 10_000 }),
    close: () => [identity, kv].forEach((c: Client) => c.close()),
  };
}

/** Awaits a promise that must fail with a gRPC error and returns that error. */
export async function grpcError(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (err) {
    return err as ServiceError;
  }
  throw new Error('expected the call to fail, it succeeded');
}

import { Metadata, status as Status, UntypedServiceImplementation } from '@grpc/grpc-js';
import { Change, DeleteResponse, GetResponse, KeyValueServer, KeyValueService, PutResponse } from '../gen/demo/v1/kv';
import { withReusingSerializers } from '../server/message-codec';
import type { ServiceRegistration } from '../server/create-server';
import { KvStore } from './kv-store';

const MAX_KEY_BYTES = 1024;

function badKey(key: string): string | undefined {
  if (key === '') return 'key must not be empty';
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) return `key is longer than ${MAX_KEY_BYTES} bytes`;
  return undefined;
}

/** demo.v1.KeyValue with serializers that allocate once per message (server/message-codec.ts). */
const KEY_VALUE = withReusingSerializers(KeyValueService, { get: GetResponse, put: PutResponse, delete: DeleteResponse, watch: Change });

/** demo.v1.KeyValue over a KvStore. */
export function keyValueService(store = new KvStore()): ServiceRegistration {
  const implementation: KeyValueServer = {
    get(call, callback) {
      const problem = badKey(call.request.key);
      if (problem) return callback({ code: Status.INVALID_ARGUMENT, details: problem });
      const value = store.get(call.request.key);
      callback(null, { key: call.request.key, value: value ?? '', found: value !== undefined });
    },
    put(call, callback) {
      const problem = badKey(call.request.key);
      if (problem) return callback({ code: Status.INVALID_ARGUMENT, details: problem });
      store.put(call.request.key, call.request.value);
      callback(null, {});
    },
    delete(call, callback) {
      const problem = badKey(call.request.key);
      if (problem) return callback({ code: Status.INVALID_ARGUMENT, details: problem });
      callback(null, { found: store.delete(call.request.key) });
    },
    watch(call) {
      const stop = store.watch(call.request.prefix, (change) => call.write(change));
      // Headers now, not with the first change: the client learns the watch is live.
      call.sendMetadata(new Metadata());
      const end = () => stop();
      call.on('cancelled', end);
      call.on('close', end);
      call.on('error', end);
    },
  };
  return { definition: KEY_VALUE, implementation: implementation as unknown as UntypedServiceImplementation };
}

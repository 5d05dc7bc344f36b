import { UntypedServiceImplementation } from '@grpc/grpc-js';
import { EchoServer, EchoService, SayRequest, SayResponse } from '../gen/demo/v1/echo';
import { withReusingSerializers } from '../server/message-codec';
import type { ServiceRegistration } from '../server/create-server';

const MAX_REPEAT = 100_000;
const MAX_SIZE = 4 * 1024 * 1024;

function padded(message: string, size: number): string {
  if (size <= 0 || message === '') return message;
  return message.repeat(Math.ceil(Math.min(size, MAX_SIZE) / message.length)).slice(0, Math.min(size, MAX_SIZE));
}

/** demo.v1.Echo with serializers that allocate once per message (server/message-codec.ts). */
const ECHO = withReusingSerializers(EchoService, { say: SayResponse, repeat: SayResponse, collect: SayResponse, chat: SayResponse });

/** demo.v1.Echo: one method per call shape (unary, server, client and bidi streaming). */
export function echoService(): ServiceRegistration {
  const implementation: EchoServer = {
    say(call, callback) {
      callback(null, { message: call.request.message, index: 0 });
    },
    repeat(call) {
      const count = Math.min(call.request.repeat, MAX_REPEAT);
      const message = padded(call.request.message, call.request.sizeBytes);
      let index = 0;
      // Respect back-pressure: write while the stream accepts, resume on 'drain'.
      const pump = () => {
        while (index < count && !call.cancelled) {
          if (!call.write({ message, index: index++ })) return void call.once('drain', pump);
        }
        call.end();
      };
      pump();
    },
    collect(call, callback) {
      const parts: string[] = [];
      call.on('data', (m: SayRequest) => parts.push(m.message));
      call.on('end', () => callback(null, { message: parts.join(' '), index: parts.length }));
    },
    chat(call) {
      let index = 0;
      call.on('data', (m: SayRequest) => call.write({ message: m.message, index: index++ }));
      call.on('end', () => call.end());
    },
  };
  return { definition: ECHO, implementation: implementation as unknown as UntypedServiceImplementation };
}

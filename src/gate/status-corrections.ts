// Statuses grpc-js sends that mislead the client, replaced by what other gRPC implementations send.
// A request body that ends before its message is complete (truncated frame, or no message for a
// unary call) gets UNIMPLEMENTED from grpc-js, which reads as "no such method"; grpc-java and
// grpc-go answer INTERNAL, and so does certrpc, with details that say what was wrong.
import { status as Status } from '@grpc/grpc-js';
import type { PartialStatusObject } from '@grpc/grpc-js/build/src/call-interface';

const NO_REQUEST_MESSAGE = /^Received no request message for/;

export function correctStatus<T extends PartialStatusObject>(status: T): T {
  if (status.code === Status.UNIMPLEMENTED && NO_REQUEST_MESSAGE.test(status.details ?? '')) {
    return {
      ...status,
      code: Status.INTERNAL,
      details: 'the request ended without a complete message (truncated, or none sent for a method that takes one)',
    };
  }
  return status;
}

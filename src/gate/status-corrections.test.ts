import { Metadata, status as Status } from '@grpc/grpc-js';
import { correctStatus } from './status-corrections';

describe('correctStatus', () => {
  it('correctStatus replaces only grpc-js "no request message" UNIMPLEMENTED', () => {
    const original = { code: Status.UNIMPLEMENTED, details: 'Received no request message for method /a.B/C', metadata: new Metadata() };
    const corrected = correctStatus(original);
    expect(corrected).toEqual({
      ...original,
      code: Status.INTERNAL,
      details: 'the request ended without a complete message (truncated, or none sent for a method that takes one)',
    });
    const other = { code: Status.UNIMPLEMENTED, details: 'The server does not implement the method /a.B/C' };
    expect(correctStatus(other)).toBe(other);
    const notFirst = { code: Status.UNIMPLEMENTED, details: 'x Received no request message for' };
    expect(correctStatus(notFirst)).toBe(notFirst);
    const internal = { code: Status.INTERNAL, details: 'Received no request message for method /a.B/C' };
    expect(correctStatus(internal)).toBe(internal);
    const noDetails = { code: Status.UNIMPLEMENTED, details: undefined as unknown as string };
    expect(correctStatus(noDetails)).toBe(noDetails);
  });
});

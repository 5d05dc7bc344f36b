// What grpc-js says about metadata keeps the names and loses the values, in each form it says it.
import { withoutMetadataValues } from '../../src/log/grpc-js-logs';

describe('withoutMetadataValues', () => {
  it('withholds a rejected value', () => {
    const line =
      'Failed to add metadata entry x-key: caf\xe9-s3cret. Metadata string value "caf\xe9-s3cret" contains illegal characters. For more information see https://github.com/grpc/grpc-node/issues/1173';
    expect(withoutMetadataValues(line)).toBe(
      'Failed to add metadata entry x-key: [value withheld]. Metadata string value [withheld] contains illegal characters. For more information see https://github.com/grpc/grpc-node/issues/1173',
    );
  });

  it('keeps only the names of a traced request header block (server_call)', () => {
    const line = 'Request to /demo.v1.KeyValue/Get received headers {"authorization":["Bearer s3cret"],"x-tenant":["acme"]}';
    expect(withoutMetadataValues(line)).toBe(
      'Request to /demo.v1.KeyValue/Get received headers {"authorization":"[withheld]","x-tenant":"[withheld]"}',
    );
  });

  it('withholds a traced response header block (call_stream)', () => {
    const line = '[5] Received server headers:\n\t\t:status: 200\n\t\tx-session: s3cret\n';
    expect(withoutMetadataValues(line)).toBe('[5] Received server headers:\n[values withheld]');
  });

  it('leaves other lines alone', () => {
    expect(withoutMetadataValues('Connection established by client 127.0.0.1:5000')).toBe(
      'Connection established by client 127.0.0.1:5000',
    );
  });
});

import { editDistance, similarNames } from './similar-names';

describe('similar names', () => {
  it('counts inserts, deletes, substitutions and swapped neighbours as one edit each', () => {
    expect(editDistance('KeyValue', 'KeyValue')).toBe(0);
    expect(editDistance('KeyValu', 'KeyValue')).toBe(1);
    expect(editDistance('KeyVaule', 'KeyValue')).toBe(1);
    expect(editDistance('Gett', 'Get')).toBe(1);
    expect(editDistance('Pat', 'Get')).toBe(2);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('suggests the closest names only, ignoring case, and nothing for a name that is no typo', () => {
    const known = ['demo.v1.KeyValue', 'demo.v1.Echo', 'grpc.health.v1.Health'];
    expect(similarNames('demo.v1.KeyValu', known)).toEqual(['demo.v1.KeyValue']);
    expect(similarNames('DEMO.V1.ECHO', known)).toEqual(['demo.v1.Echo']);
    expect(similarNames('billing.v2.Invoices', known)).toEqual([]);
    expect(similarNames('Gett', ['Get', 'Put', 'Delete'])).toEqual(['Get']);
    expect(similarNames('Pit', ['Get', 'Put'])).toEqual(['Put']);
  });
});

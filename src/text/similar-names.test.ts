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
    expect(similarNames('demo.v1.KeyVaelu.Get', ['demo.v1.KeyValue.Get', 'demo.v1.KeyValue.Put'])).toEqual(['demo.v1.KeyValue.Get']);
    expect(similarNames('demo.v1KeyValue', known)).toEqual(['demo.v1.KeyValue']);
  });

  it('judges dotted names part by part: a shared package does not make a different name a typo', () => {
    expect(similarNames('demo.v1.Nope', ['demo.v1.Echo', 'demo.v1.KeyValue'])).toEqual([]);
    expect(similarNames('demo.v1.Gut', ['demo.v1.Put'])).toEqual(['demo.v1.Put']);
    expect(similarNames('demo.v1.Get', ['demo.v1.Put'])).toEqual([]);
    expect(similarNames('acme.v1.KeyValue', ['demo.v1.KeyValue'])).toEqual([]);
  });
});

import { ContextValues, createContextKey } from './context-key';

describe('context keys', () => {
  it('give the default until set, then the value set, per key', () => {
    const tenant = createContextKey<string | undefined>(undefined, { description: 'tenant' });
    const attempts = createContextKey(0, { description: 'attempts' });
    const values = new ContextValues();
    expect(values.get(tenant)).toBeUndefined();
    expect(values.get(attempts)).toBe(0);
    expect(values.has(attempts)).toBe(false);
    values.set(tenant, 'acme').set(attempts, 2);
    expect(values.get(tenant)).toBe('acme');
    expect(values.get(attempts)).toBe(2);
    values.delete(attempts);
    expect(values.get(attempts)).toBe(0);
  });

  it('keeps keys with one description apart, and a value set to undefined stays undefined', () => {
    const a = createContextKey<string | undefined>('default a', { description: 'same' });
    const b = createContextKey<string | undefined>('default b', { description: 'same' });
    const values = new ContextValues().set(a, 'x');
    expect(values.get(b)).toBe('default b');
    values.set(b, undefined);
    expect(values.has(b)).toBe(true);
    expect(values.get(b)).toBeUndefined();
    expect(values.get(a)).toBe('x');
  });
});

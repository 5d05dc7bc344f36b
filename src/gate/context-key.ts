// Typed values a call carries from one stage to the next, to observers and to handlers, in the
// manner of connect-es's ContextKey: a key is made once (module level) with its type and default,
// and only code holding the key can read or write its value. Replaces ad-hoc symbol properties.
//
//   export const TENANT = createContextKey<string | undefined>(undefined, { description: 'tenant' });
//   ctx.values.set(TENANT, 'acme');      // a stage
//   contextOf(call).values.get(TENANT);  // a handler: string | undefined

export interface ContextKey<T> {
  readonly id: symbol;
  readonly defaultValue: T;
  readonly description: string;
}

export function createContextKey<T>(defaultValue: T, options: { description: string }): ContextKey<T> {
  return Object.freeze({ id: Symbol(options.description), defaultValue, description: options.description });
}

type Slots = Record<symbol, unknown>;

/**
 * One call's values. Kept as properties of this object under each key's symbol: one allocation per
 * call, and every call's object goes through the same shapes (the gate's keys are set in one order).
 */
export class ContextValues {
  get<T>(key: ContextKey<T>): T {
    const value = (this as unknown as Slots)[key.id];
    return value !== undefined || key.id in this ? (value as T) : key.defaultValue;
  }

  set<T>(key: ContextKey<T>, value: T): this {
    (this as unknown as Slots)[key.id] = value;
    return this;
  }

  has(key: ContextKey<unknown>): boolean {
    return key.id in this;
  }

  delete(key: ContextKey<unknown>): this {
    delete (this as unknown as Slots)[key.id];
    return this;
  }
}

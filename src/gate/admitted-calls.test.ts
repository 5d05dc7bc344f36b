// The gate's calls in flight: an intrusive list, so every link is checked by hand here (a wrong
// link loses a call shutdown should drain, or one a revocation should end).
import { AdmittedCalls, AdmittedLinks } from './admitted-calls';

interface Call extends AdmittedLinks<Call> {
  name: string;
}
const call = (name: string): Call => ({ name });
const names = (list: AdmittedCalls<Call>) => [...list].map((c) => c.name);

describe('AdmittedCalls', () => {
  it('holds each call added until it is removed, newest first, and counts them', () => {
    const list = new AdmittedCalls<Call>();
    const [a, b, c] = [call('a'), call('b'), call('c')];
    expect(list.size).toBe(0);
    expect(names(list)).toEqual([]);
    list.add(a);
    list.add(b);
    list.add(c);
    expect(list.size).toBe(3);
    expect(names(list)).toEqual(['c', 'b', 'a']);
    expect(list.remove(b)).toBe(true); // the middle
    expect(names(list)).toEqual(['c', 'a']);
    expect(list.remove(c)).toBe(true); // the first
    expect(names(list)).toEqual(['a']);
    list.add(b);
    expect(names(list)).toEqual(['b', 'a']);
    expect(list.remove(a)).toBe(true); // the last
    expect(names(list)).toEqual(['b']);
    expect(list.size).toBe(1);
    expect(list.remove(b)).toBe(true); // the only one
    expect(list.size).toBe(0);
    expect(names(list)).toEqual([]);
  });

  it('removing a call twice, or one never added, changes nothing and says so', () => {
    const list = new AdmittedCalls<Call>();
    const [a, b, stranger] = [call('a'), call('b'), call('stranger')];
    list.add(a);
    list.add(b);
    expect(list.remove(a)).toBe(true);
    expect(list.remove(a)).toBe(false);
    expect(list.remove(stranger)).toBe(false);
    expect(list.size).toBe(1);
    expect(names(list)).toEqual(['b']);
  });

  it('a removed call keeps no link to the others (a finished call must not keep live ones reachable)', () => {
    const list = new AdmittedCalls<Call>();
    const [a, b, c] = [call('a'), call('b'), call('c')];
    for (const x of [a, b, c]) list.add(x);
    list.remove(b);
    expect(b.previousAdmitted).toBeUndefined();
    expect(b.nextAdmitted).toBeUndefined();
    expect(c.nextAdmitted).toBe(a);
    expect(a.previousAdmitted).toBe(c);
  });

  it('iterates over a copy: calls may end (be removed) while a shutdown or a revocation goes through them', () => {
    const list = new AdmittedCalls<Call>();
    const all = ['a', 'b', 'c', 'd'].map(call);
    for (const x of all) list.add(x);
    const seen: string[] = [];
    for (const x of list) {
      seen.push(x.name);
      list.remove(x);
      if (x.name === 'd') list.remove(all[1]); // another one ends meanwhile
    }
    expect(seen).toEqual(['d', 'c', 'b', 'a']);
    expect(list.size).toBe(0);
  });
});

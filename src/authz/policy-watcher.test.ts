// The policy follows its file: each accepted version gets the next generation, is logged with what
// it holds and handed to `reloaded`; a broken version is refused and the one in force stays.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { tempDir } from '../../test/helpers/temp-dir';
import { CompiledPolicy } from './compiled-policy';
import { watchPolicyFile } from './policy-watcher';

const policy = (name: string, rules: number) =>
  `name: ${name}\nroles:\n  r: [{cn: bob}]\nrules:\n${'  - {roles: [r], methods: ["*"]}\n'.repeat(rules)}`;

describe('watchPolicyFile', () => {
  const tmp = tempDir('policy-watcher-');
  afterAll(tmp.cleanup);

  it('loads now, then each accepted edit is the next generation, logged and handed on; a broken one is refused', async () => {
    const file = join(tmp.dir, 'policy.yaml');
    writeFileSync(file, policy('first', 1));
    const logs: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => logs.push(JSON.parse(line) as Record<string, unknown>) });
    const handed: CompiledPolicy[] = [];
    const watcher = watchPolicyFile(file, { logger, intervalMs: 0, reloaded: (p) => handed.push(p) });
    try {
      expect(watcher.current).toMatchObject({ name: 'first', generation: 1 });
      writeFileSync(file, policy('second', 2));
      expect(await watcher.reload()).toMatchObject({ ok: true });
      expect(watcher.current).toMatchObject({ name: 'second', generation: 2 });
      expect(handed).toEqual([watcher.current]);
      expect(logs).toContainEqual(
        expect.objectContaining({
          event: 'reloaded',
          what: 'authorization policy',
          file,
          generation: 2,
          policy: 'second',
          roles: 1,
          rules: 2,
        }),
      );
      writeFileSync(file, 'rules: [{roles: [nobody], methods: ["*"]}]\n');
      expect(await watcher.reload()).toMatchObject({ ok: false });
      expect(watcher.current).toMatchObject({ name: 'second', generation: 2 });
      writeFileSync(file, policy('third', 3));
      await watcher.reload();
      expect(watcher.current).toMatchObject({ name: 'third', generation: 3 });
      expect(handed.map((p) => p.generation)).toEqual([2, 3]);
    } finally {
      watcher.close();
    }
  });

  it('a file invalid at start throws: a server must not start with it', () => {
    const file = join(tmp.dir, 'bad.yaml');
    writeFileSync(file, 'rules: [{roles: [nobody], methods: ["*"]}]\n');
    expect(() => watchPolicyFile(file, { intervalMs: 0 })).toThrow(/unknown role "nobody"/);
  });
});

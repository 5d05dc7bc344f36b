// A serving process parses its policy in a worker thread (src/authz/policy-parser.ts), so the YAML
// parser and zod never enter its heap. The worker runs the compiled parser, so this suite runs the
// compiled module (dist/, built before the tests) as `certrpc serve` does: a valid policy comes back
// as the same model as in-process parsing gives, a broken one as the same ConfigError with every
// problem and its line, and reloads do not block the event loop.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePolicy } from '../../src/authz/policy-file';
import type * as PolicyParser from '../../src/authz/policy-parser';

const DIST_PARSER = join(__dirname, '..', '..', 'dist', 'authz', 'policy-parser.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const compiled = require(DIST_PARSER) as typeof PolicyParser;
const DEMO_POLICY = readFileSync(join(__dirname, '..', '..', 'policy.yaml'), 'utf8');
const BROKEN = `version: 1
roles:
  admin:
    - cn: alice
rules:
  - name: one
    roles: [writer]
    methods: ["*"]
  - name: two
    roles: [admin]
    methods: [nope
`;
const UNKNOWN_ROLE = DEMO_POLICY.replace('roles: [admin]', 'roles: [nobody]');

describe('policy parsed in a worker thread (compiled, as certrpc serve runs it)', () => {
  it('gives the model in-process parsing gives', () => {
    expect(compiled.parsePolicyText(DEMO_POLICY, 'policy.yaml')).toEqual(
      JSON.parse(JSON.stringify(parsePolicy(DEMO_POLICY, 'policy.yaml'))) as unknown,
    );
  });

  it('refuses a broken policy with the same problems and lines (sync and async)', async () => {
    for (const text of [BROKEN, UNKNOWN_ROLE]) {
      let local: { message: string } | undefined;
      try {
        parsePolicy(text, 'p.yaml');
      } catch (err) {
        local = err as { message: string };
      }
      expect(local?.message).toMatch(/p\.yaml:\d+/);
      expect(() => compiled.parsePolicyText(text, 'p.yaml')).toThrow(local!.message);
      await expect(compiled.parsePolicyTextAsync(text, 'p.yaml')).rejects.toMatchObject({
        code: 'CONFIG_INVALID',
        message: local!.message,
      });
    }
  });

  it('a reload does not block the event loop while the worker parses', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      const model = await compiled.parsePolicyTextAsync(DEMO_POLICY, 'policy.yaml');
      expect(model.name).toBe('demo');
    } finally {
      clearInterval(timer);
    }
    // Starting a worker and loading the parser there takes tens of ms at least; timers ran meanwhile.
    expect(ticks).toBeGreaterThan(0);
  });
});

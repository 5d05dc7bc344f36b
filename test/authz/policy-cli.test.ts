// `certrpc policy check` and `certrpc policy explain`, run as the real CLI.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PkiDir } from '../../src/store/pki-dir';
import { runCli } from '../helpers/cli';
import { demoPki } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';

const ROOT = join(__dirname, '..', '..');
const GOOD = `roles:
  admin:
    - cn: alice
rules:
  - name: admin-all
    roles: [admin]
    methods: ["*"]
`;

describe('certrpc policy check', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());
  const write = (name: string, text: string) => {
    const file = join(tmp.dir, name);
    writeFileSync(file, text);
    return file;
  };

  it('exits 0 for the demo policy and for the A43 example policy', async () => {
    const demo = await runCli(['policy', 'check', join(ROOT, 'policy.yaml')]);
    expect(demo.code).toBe(0);
    expect(demo.stdout).toMatch(/valid certrpc policy "demo"/);
    const a43 = await runCli(['policy', 'check', join(__dirname, 'fixtures', 'a43-example.json')]);
    expect(a43.code).toBe(0);
    expect(a43.stdout).toMatch(/valid gRFC A43 policy "example-policy"/);
  });

  it.each([
    [
      'an unknown role',
      GOOD.replace('roles: [admin]', 'roles: [writer]'),
      /bad\.yaml:6:13: rules\[0\]\.roles\[0\]: unknown role "writer"\n {2}fix: define it under "roles:", or use one of: admin/,
    ],
    [
      'a bad method pattern',
      GOOD.replace('methods: ["*"]', 'methods: ["/demo.v1.KeyValue.Put"]'),
      /bad\.yaml:7:15: rules\[0\]\.methods\[0\]: "\/demo\.v1\.KeyValue\.Put" has no "\/" between the service and the method\n {2}fix: write "\/package\.Service\/Method"/,
    ],
    [
      'a YAML syntax error',
      GOOD.replace('methods: ["*"]', 'methods: [*]'),
      /bad\.yaml:7:\d+: YAML syntax error: .*\n {2}fix: quote wildcards/,
    ],
    [
      'a pattern with too many *',
      GOOD.replace('- cn: alice', `- cn: "${'*a'.repeat(9)}"`),
      /bad\.yaml:3:11: roles\.admin\[0\]\.cn: "(\*a){9}" has 9 "\*"; the limit is 8 per pattern\n {2}fix: /,
    ],
    [
      'an A43 path over 1,024 characters',
      JSON.stringify({ name: 'p', allow_rules: [{ name: 'r', request: { paths: [`/a.B/${'x'.repeat(1030)}`] } }] }, null, 1),
      /bad\.yaml:8:6: allow_rules\[0\]\.request\.paths\[0\]: "\/a\.B\/x+\.\.\." is 1035 characters long; the limit is 1024\n {2}fix: /,
    ],
    [
      'an issuer that is no CA subject',
      GOOD.replace('- cn: alice', '- { cn: alice, issuer: "certrpc CA" }'),
      /bad\.yaml:3:\d+: roles\.admin\[0\]\.issuer: "certrpc CA" is not a CA subject as certrpc prints it .*\n {2}fix: copy it from `certrpc cert inspect CA\.crt`/,
    ],
  ])('exits 1 for %s, naming the line and the fix', async (_what, text, expected) => {
    const r = await runCli(['policy', 'check', write('bad.yaml', text)]);
    expect(r.code).toBe(1);
    expect(r.stderr.replace(tmp.dir + '/', '')).toMatch(expected);
    expect(r.stderr).toMatch(/1 problem\(s\); the policy is not valid/);
  });

  it('exits 1 for a missing file, saying which', async () => {
    const r = await runCli(['policy', 'check', join(tmp.dir, 'nope.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/nope\.yaml: policy file not found/);
  });
});

describe('certrpc policy explain', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  let policy: string;
  beforeAll(async () => {
    pki = await demoPki(tmp.dir);
    policy = join(tmp.dir, 'policy.yaml');
    copyFileSync(join(ROOT, 'policy.yaml'), policy);
  });
  afterAll(() => tmp.cleanup());

  it('--cn bob --method Put: DENY, his roles, no rule, the message; exits 71 (64 + PERMISSION_DENIED)', async () => {
    const r = await runCli(['policy', 'explain', policy, '--cn', 'bob', '--method', '/demo.v1.KeyValue/Put']);
    expect(r.code).toBe(71);
    expect(r.stdout).toMatch(/^decision: DENY/m);
    expect(r.stdout).toMatch(/^roles: +reader {2}\(cn "bob" matches "bob"\)/m);
    expect(r.stdout).toMatch(/^rule: +none matched/m);
    expect(r.stdout).toMatch(/^message: +CN=bob \(roles: reader\) may not call \/demo\.v1\.KeyValue\/Put: allowed roles are admin$/m);
  });

  it('--cert alice.crt --method Delete: ALLOW by the rule that decided, with its file and line; exits 0', async () => {
    const r = await runCli(['policy', 'explain', policy, '--cert', pki.certFile('alice'), '--method', 'demo.v1.KeyValue/Delete', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const line =
      readFileSync(policy, 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('name: admin-everything')) + 1;
    expect(out).toMatchObject({
      decision: 'allow',
      roles: ['admin'],
      rule: { name: 'admin-everything', effect: 'allow', source: `${policy}:${line}` },
    });
  });

  it('refuses to guess who the caller is (exit 2)', async () => {
    const r = await runCli(['policy', 'explain', policy, '--method', '/demo.v1.KeyValue/Put']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/give exactly one of --cert and --cn/);
  });
});

// Issue 14 item 10: the README's library examples are tests, so the README cannot drift. Every
// ```ts block (but the few marked ```ts fragment) is written into a project of its own where
// `certrpc` is this package as installed (node_modules/certrpc -> this checkout: its exports map and
// dist/ types) and `./gen/greeter` the ts-proto fixture; the blocks are compiled under strict
// TypeScript, then run: every block that serves is called by every block that calls, for real, over
// mutual TLS, with a demo PKI in ./certs and the demo policy in ./policy.yaml.
import { ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';
import { publishCrls } from '../../src/lifecycle/publish-crl';
import { demoPki } from '../helpers/pki';
import { runCli } from '../helpers/cli';
import { captureOutput } from '../helpers/test-run';
import { tempDir } from '../helpers/temp-dir';

const ROOT = join(__dirname, '..', '..');

interface Example {
  /** 1-based, in README order. */
  n: number;
  /** README line of the first line of code. */
  line: number;
  code: string;
}

/** The ```ts blocks of the README; ```ts fragment blocks are counted apart. */
function readmeExamples(): { examples: Example[]; fragments: number } {
  const lines = readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n');
  const examples: Example[] = [];
  let fragments = 0;
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```ts(?:\s+(\S+))?\s*$/.exec(lines[i]);
    if (!fence) continue;
    const end = lines.indexOf('```', i + 1);
    if (fence[1] === 'fragment') fragments++;
    else if (fence[1] === undefined) examples.push({ n: examples.length + 1, line: i + 2, code: lines.slice(i + 1, end).join('\n') });
    else throw new Error(`README.md:${i + 1}: unknown block kind "${fence[1]}" (a block is run, or marked \`\`\`ts fragment)`);
    i = end;
  }
  return { examples, fragments };
}

/**
 * Imports stay at the top; the rest runs in an async function (the README writes top-level await).
 * `origin[i]` is the block line that generated line i came from (-1: a line of the wrapper).
 */
function moduleOf(example: Example): { source: string; origin: number[] } {
  const lines = example.code.split('\n').map((text, i) => ({ text, i }));
  const imports = lines.filter((l) => l.text.startsWith('import '));
  const body = lines.filter((l) => !l.text.startsWith('import '));
  const wrapper = (text: string) => ({ text, i: -1 });
  const all = [
    ...imports,
    wrapper('async function main(): Promise<void> {'),
    ...body,
    ...['}', 'main().catch((err: unknown) => {', '  console.error(err);', '  process.exit(1);', '});', ''].map(wrapper),
  ];
  return { source: all.map((l) => l.text).join('\n'), origin: all.map((l) => l.i) };
}

describe('README examples', () => {
  const tmp = tempDir();
  const app = tmp.dir;
  const { examples, fragments } = readmeExamples();
  const running: ChildProcess[] = [];

  beforeAll(async () => {
    const pki = await demoPki(join(app, 'certs'));
    await publishCrls(pki);
    copyFileSync(join(ROOT, 'policy.yaml'), join(app, 'policy.yaml'));
    mkdirSync(join(app, 'gen'));
    copyFileSync(join(ROOT, 'test', 'fixtures', 'gen', 'greeter', 'v1', 'greeter.ts'), join(app, 'gen', 'greeter.ts'));
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'readme-examples', version: '1.0.0', private: true }));
    // certrpc as installed (its package.json exports and dist/), beside the packages it depends on.
    mkdirSync(join(app, 'node_modules'));
    symlinkSync(ROOT, join(app, 'node_modules', 'certrpc'));
    for (const dep of readdirSync(join(ROOT, 'node_modules')))
      if (!dep.startsWith('.')) symlinkSync(join(ROOT, 'node_modules', dep), join(app, 'node_modules', dep));
    for (const example of examples) writeFileSync(join(app, `example-${example.n}.ts`), moduleOf(example).source);
  });
  afterAll(async () => {
    for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
    tmp.cleanup();
  });

  it('has library examples to check, and few fragments', () => {
    expect(examples.length).toBeGreaterThanOrEqual(3);
    expect(fragments).toBeLessThanOrEqual(2);
  });

  it('compiles every example under strict TypeScript, against the installed package', () => {
    const program = ts.createProgram(
      examples.map((e) => join(app, `example-${e.n}.ts`)),
      {
        strict: true,
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.Node16,
        moduleResolution: ts.ModuleResolutionKind.Node16,
        esModuleInterop: true,
        skipLibCheck: true,
        types: ['node'],
        outDir: join(app, 'out'),
        rootDir: app,
      },
    );
    const emitted = program.emit();
    // Each problem at its README line: the file is the block, shifted by the lines the wrapper moved.
    const problems = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics].map((d) => {
      const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
      const example = examples.find((e) => d.file?.fileName === join(app, `example-${e.n}.ts`));
      if (!d.file || d.start === undefined || !example) return `${d.file?.fileName ?? '?'}: ${text}`;
      const from = moduleOf(example).origin[d.file.getLineAndCharacterOfPosition(d.start).line];
      return `README.md:${from >= 0 ? example.line + from : example.line}: ${text}`;
    });
    expect(problems).toEqual([]);
  });

  /** Runs a compiled example in the project; resolves with what it printed once `until` matches (or it exits). */
  function runExample(
    n: number,
    env: NodeJS.ProcessEnv,
    until?: RegExp,
  ): Promise<{ child: ChildProcess; stdout: string; stderr: string; code: number | null; match?: RegExpExecArray }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [join(app, 'out', `example-${n}.js`)], {
        cwd: app,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      captureOutput(child, [`README example ${n}`]);
      running.push(child);
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d) => {
        stdout += d;
        const match = until?.exec(stdout);
        if (match) resolve({ child, stdout, stderr, code: null, match });
      });
      child.stderr!.on('data', (d) => (stderr += d));
      child.on('error', reject);
      child.on('exit', (code) => resolve({ child, stdout, stderr, code }));
    });
  }

  const servers = () => examples.filter((e) => /\.listen\(|\.bindAsync\(/.test(e.code));
  const clients = () => examples.filter((e) => /createClient\(/.test(e.code));

  it('runs them: every serving example answers every calling example, as the caller alice', async () => {
    expect(servers().length).toBeGreaterThanOrEqual(2);
    expect(clients().length).toBeGreaterThanOrEqual(1);
    for (const server of servers()) {
      const serving = await runExample(server.n, { PORT: '0' }, /listening on port (\d+)/);
      expect({ example: server.n, stderr: serving.match ? '' : serving.stderr }).toEqual({ example: server.n, stderr: '' });
      const address = `127.0.0.1:${serving.match![1]}`;
      try {
        for (const client of clients()) {
          const call = await runExample(client.n, { GREETER: `localhost:${serving.match![1]}` });
          expect({ server: server.n, client: client.n, code: call.code, stderr: call.stderr }).toEqual({
            server: server.n,
            client: client.n,
            code: 0,
            stderr: '',
          });
          expect(call.stdout).toMatch(/message: 'hello alice/);
        }
        // Reflection, without the .proto: createServer's by itself, a plain server's by addReflection().
        const listed = await runCli(['list', address, '--identity', 'alice', '--dir', join(app, 'certs')]);
        expect(listed.stdout.split('\n')).toContain('greeter.v1.Greeter');
      } finally {
        serving.child.kill('SIGTERM');
      }
    }
  });
});

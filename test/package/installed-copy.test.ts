// The package as a user gets it: `npm pack`, installed into a fresh project, then each entry point
// required by its public name (the exports map), its types resolved by tsc, and what it costs at
// require time checked by the modules it loads (the import-cost figure itself is in npm run bench).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from '../helpers/temp-dir';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const ENTRIES = ['certrpc', 'certrpc/client', 'certrpc/server', 'certrpc/pki', 'certrpc/lifecycle', 'certrpc/proxy'];
/** What a client must not pay for at require time. */
const HEAVY = ['@peculiar/x509', 'reflect-metadata', 'prom-client', 'yaml', 'zod', 'commander', 'pino', 'protobufjs'];

describe('the installed package', () => {
  const tmp = tempDir();
  const app = join(tmp.dir, 'app');
  let files: string[];

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'dist', 'entry', 'client.js'))) throw new Error('dist/ is not built: run node scripts/build.js');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp.dir], {
      cwd: ROOT,
      maxBuffer: 16 * 1024 * 1024,
    });
    const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    files = info.files.map((f) => f.path);
    const tarball = join(tmp.dir, info.filename);
    try {
      await run('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], {
        cwd: app,
        timeout: 120_000,
      });
    } catch {
      // No registry at hand: install the package by hand (what npm would unpack) and link the
      // dependencies from this checkout's node_modules.
      const target = join(app, 'node_modules', 'certrpc');
      mkdirSync(target, { recursive: true });
      await run('tar', ['-xzf', tarball, '-C', target, '--strip-components', '1']);
      for (const dep of readdirSync(join(ROOT, 'node_modules'))) {
        if (dep.startsWith('.') || dep === 'certrpc' || existsSync(join(app, 'node_modules', dep))) continue;
        symlinkSync(join(ROOT, 'node_modules', dep), join(app, 'node_modules', dep));
      }
    }
  }, 180_000);
  afterAll(() => tmp.cleanup());

  it('ships dist/, bin/, proto/, README and LICENSE; never sources, tests, keys or certificates', () => {
    const tops = new Set(files.map((f) => f.split('/')[0]));
    expect([...tops].sort()).toEqual(['LICENSE', 'README.md', 'bin', 'dist', 'package.json', 'proto']);
    expect(files).toEqual(
      expect.arrayContaining(['dist/entry/client.js', 'dist/entry/client.d.ts', 'bin/certrpc', 'proto/demo/v1/kv.proto']),
    );
    const unwanted = files.filter((f) => /\.test\.|tsbuildinfo|build-stamp|\.(key|crt|pem|csr|p12|bundle)$|^certs\//.test(f));
    expect(unwanted).toEqual([]);
  });

  it.each(ENTRIES)('%s resolves from the installed copy and exports its API', async (entry) => {
    const { stdout } = await run(process.execPath, ['-e', `console.log(JSON.stringify(Object.keys(require(${JSON.stringify(entry)}))))`], {
      cwd: app,
    });
    const names = JSON.parse(stdout) as string[];
    expect(names).toContain('CertrpcError');
    const expected: Record<string, string[]> = {
      certrpc: [
        'createInterceptor',
        'createServer',
        'createClient',
        'callerOf',
        'allowAllAuthenticated',
        'PkiDir',
        'renewIdentity',
        'ConnectProxy',
      ],
      'certrpc/client': ['createClient', 'unary', 'createReloadingClient', 'ConnectionError'],
      'certrpc/server': [
        'createInterceptor',
        'createServer',
        'callerOf',
        'contextOf',
        'createContextKey',
        'allowAllAuthenticated',
        'authorization',
        'createServerFromFiles',
      ],
      'certrpc/pki': ['createCa', 'issueCertificate', 'PkiDir', 'PkiError'],
      'certrpc/lifecycle': ['renewIdentity', 'rotateCa', 'retireCa', 'revokeCertificate', 'listCertificates'],
      'certrpc/proxy': ['ConnectProxy', 'decideConnect'],
    };
    expect(names).toEqual(expect.arrayContaining(expected[entry]));
  });

  it('certrpc/client loads no PKI library, Reflect polyfill, YAML, zod, prom-client, pino or commander; certrpc/server no polyfill', async () => {
    const probe = (entry: string) =>
      `require(${JSON.stringify(entry)});console.log(JSON.stringify({loaded:Object.keys(require.cache),polyfill:typeof Reflect.getMetadata==="function"}))`;
    const loadedBy = async (entry: string) =>
      JSON.parse((await run(process.execPath, ['-e', probe(entry)], { cwd: app })).stdout) as { loaded: string[]; polyfill: boolean };
    const client = await loadedBy('certrpc/client');
    expect(client.polyfill).toBe(false);
    expect(HEAVY.filter((dep) => client.loaded.some((f) => f.includes(`/node_modules/${dep}/`)))).toEqual([]);
    expect((await loadedBy('certrpc/server')).polyfill).toBe(false);
    // The PKI part may (it is what @peculiar/x509 needs): the check above can fail.
    expect((await loadedBy('certrpc/pki')).polyfill).toBe(true);
  });

  it('types resolve for TypeScript users, with node16 (exports) and node10 (typesVersions) resolution', async () => {
    writeFileSync(
      join(app, 'use.ts'),
      [
        "import { createClient, unary, type ClientTlsMaterial } from 'certrpc/client';",
        "import { createInterceptor, callerOf, allowAllAuthenticated, type AuthenticatedContext } from 'certrpc/server';",
        "import { PkiDir } from 'certrpc/pki';",
        "import { renewIdentity } from 'certrpc/lifecycle';",
        "import { ConnectProxy } from 'certrpc/proxy';",
        "import { CertrpcError } from 'certrpc';",
        'const tls: ClientTlsMaterial = { caPem: "" };',
        'const stage = (ctx: AuthenticatedContext) => { const cn: string = ctx.caller.identity.commonName; return cn ? undefined : undefined; };',
        'export const all = [createClient, unary, createInterceptor({ policy: allowAllAuthenticated(), stages: [stage] }), callerOf, PkiDir, renewIdentity, ConnectProxy, CertrpcError, tls];',
        '',
      ].join('\n'),
    );
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    for (const resolution of [
      ['--module', 'node16', '--moduleResolution', 'node16'],
      ['--module', 'commonjs', '--moduleResolution', 'node10'],
    ]) {
      const r = await run(
        process.execPath,
        [
          tsc,
          '--noEmit',
          '--strict',
          '--skipLibCheck',
          '--types',
          'node',
          '--typeRoots',
          join(ROOT, 'node_modules', '@types'),
          ...resolution,
          'use.ts',
        ],
        { cwd: app },
      ).catch((e: { stdout: string }) => e);
      expect({ resolution: resolution[3], out: r.stdout }).toEqual({ resolution: resolution[3], out: '' });
    }
  }, 120_000);
});

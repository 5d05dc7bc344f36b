// The audit log written behind the calls (log/line-batch.ts), against a destination slower than the
// calls: `certrpc serve` writes its audit log into a FIFO whose reader drains it slowly (a slow
// disk: the pipe holds 64 KiB, far less than the lines the calls make). The server waits for the
// writer at each flush instead of dropping lines or growing without bound, so every call that was
// served has its line, once, whole, in order; and SIGTERM drains the rest before the exit.
import { Metadata } from '@grpc/grpc-js';
import { spawnSync } from 'node:child_process';
import { copyFileSync, createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createClient } from '../../src/client/create-client';
import { unary } from '../../src/client/unary';
import { EchoClient } from '../../src/gen/demo/v1/echo';
import { startCli } from '../helpers/cli';
import { logLines } from '../helpers/eventually';
import { clientTls, demoPki } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';

jest.setTimeout(120_000);

const CALLS = 3000;
const IN_FLIGHT = 32;

it('a slow audit destination slows the server, and loses no line: every call served has its line, on SIGTERM too', async () => {
  const tmp = tempDir();
  try {
    const pki = await demoPki(join(tmp.dir, 'certs'));
    const policyFile = join(tmp.dir, 'policy.yaml');
    copyFileSync(join(__dirname, '..', '..', 'policy.yaml'), policyFile);
    const fifo = join(tmp.dir, 'audit.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);

    // The "disk": takes 16 KiB, then nothing for 5 ms, and so on.
    let text = '';
    const reader = createReadStream(fifo, { encoding: 'utf8', highWaterMark: 16 * 1024 });
    reader.on('data', (chunk) => {
      text += chunk;
      reader.pause();
      setTimeout(() => reader.resume(), 5);
    });
    const drained = new Promise<void>((resolve) => reader.on('end', () => resolve()));

    const server = await startCli([
      'serve',
      '--demo',
      '--dir',
      pki.dir,
      '--port',
      '0',
      '--policy',
      policyFile,
      '--audit',
      'all',
      '--audit-file',
      fifo,
    ]);
    const echo = createClient(EchoClient, server.address, { tls: clientTls(pki, 'alice') });
    const answered: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < CALLS) {
        const message = `m${next++}`;
        const res = await unary(echo, echo.say, { message }, new Metadata(), { deadline: Date.now() + 60_000 });
        answered.push(res.message);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    echo.close();
    expect(answered).toHaveLength(CALLS);

    expect(await server.stop('SIGTERM')).toBe(0);
    await drained;
    expect(text.endsWith('\n')).toBe(true);
    const lines = logLines(text);
    expect(lines).toHaveLength(text.split('\n').filter(Boolean).length); // every line whole JSON
    const says = lines.filter((l) => l.method === '/demo.v1.Echo/Say');
    expect(says).toHaveLength(CALLS);
    expect(says.every((l) => l.decision === 'allow' && l.cn === 'alice')).toBe(true);
    // In the order decided: times never go backwards.
    const times = lines.map((l) => Date.parse(String(l.time)));
    expect(times.every((t, i) => i === 0 || t >= times[i - 1])).toBe(true);
  } finally {
    tmp.cleanup();
  }
});

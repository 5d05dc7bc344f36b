// Continuous load for the fleet tests, as its own process (so it can run on the client "host", inside
// a network namespace): one reloading client per target server, from the agent-managed files of one
// identity (DIR/NAME.crt, NAME.key, ca.crt, crl.pem, followed as they change), each calling
// certrpc.v1.Identity/WhoAmI back to back. stdout: one JSON line per failure, a stats line every
// 250 ms, and the first success per target ("ready"). Runs until SIGTERM.
// Usage: node fleet-load.cjs '{"dir":"...","name":"...","targets":["10.0.0.2:1234", ...]}'
'use strict';
const { join } = require('node:path');
const { setInterval, clearInterval, setTimeout } = require('node:timers');
const { Metadata } = require('@grpc/grpc-js');
const dist = join(__dirname, '..', '..', 'dist');
const { createReloadingClient } = require(join(dist, 'client', 'reloading-client.js'));
const { IdentityClient } = require(join(dist, 'gen', 'certrpc', 'v1', 'identity.js'));

const { dir, name, targets } = JSON.parse(process.argv[2]);
const files = {
  certFile: join(dir, `${name}.crt`),
  keyFile: join(dir, `${name}.key`),
  caFiles: [join(dir, 'ca.crt')],
  crlFile: join(dir, 'crl.pem'),
};
const stats = Object.fromEntries(targets.map((t) => [t, { ok: 0, failed: 0, serials: [] }]));
const say = (line) => process.stdout.write(`${JSON.stringify({ time: Date.now(), ...line })}\n`);
let stopping = false;

async function drive(target) {
  const { client, close } = await createReloadingClient(IdentityClient, target, { files, diagnose: false });
  const s = stats[target];
  while (!stopping) {
    await new Promise((resolve) => {
      client.whoAmI({}, new Metadata(), { deadline: Date.now() + 5000 }, (err, res) => {
        if (stopping) return resolve();
        if (err) {
          s.failed += 1;
          say({ event: 'failure', target, code: err.code, details: err.details });
        } else {
          if (s.ok === 0) say({ event: 'ready', target });
          s.ok += 1;
          // Which of our certificates the server saw: renewals of this client show up here.
          if (s.serials[s.serials.length - 1] !== res.serial) s.serials.push(res.serial);
        }
        resolve();
      });
    });
    // Back to back, but let timers (reloads) run; after a failure, do not spin.
    await new Promise((r) => setTimeout(r, s.failed > 0 ? 50 : 0));
  }
  close();
}

const timer = setInterval(() => say({ event: 'stats', stats }), 250);
process.on('SIGTERM', () => {
  stopping = true;
  clearInterval(timer);
  say({ event: 'stats', stats, final: true });
  setTimeout(() => process.exit(0), 100);
});
for (const t of targets) drive(t).catch((err) => say({ event: 'crashed', target: t, problem: String(err && err.stack) }));

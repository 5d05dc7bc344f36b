// Issue 7, part 2: a flood of bad handshakes does not flood the server log.
import { connect } from 'node:tls';
import { createServer } from '../../src/server/create-server';
import { logLines } from '../helpers/eventually';
import { demoPki } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';
import { runLogger } from '../helpers/test-run';

/** One TLS handshake without a client certificate; resolves when the server has dropped it. */
function handshakeWithoutCertificate(port: number, caPem: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, ca: caPem, servername: 'localhost', ALPNProtocols: ['h2'] });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve());
  });
}

describe('refused-handshake log under a flood', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('logs the first N refusals one by one, then one summary line with the counts', async () => {
    const pki = await demoPki(tmp.dir);
    const id = pki.loadIdentity('server');
    // In the run's log directory: the end-of-run key-leak check reads it too.
    const log = runLogger('refusal-flood', 'info');
    const server = createServer({
      tls: { certPem: id.certPem, keyPem: id.keyPem, clientCaPem: id.caPem },
      services: [],
      logger: log.logger,
      refusalLog: { maxLinesPerInterval: 3, intervalMs: 60_000 },
    });
    const { port } = await server.listen('127.0.0.1', 0);
    for (let i = 0; i < 25; i++) await handshakeWithoutCertificate(port, id.caPem);
    await server.shutdown(1000);
    const lines = logLines(log.text());
    const refused = lines.filter((l) => l.event === 'handshake_refused');
    const summaries = lines.filter((l) => l.event === 'handshake_refusals_suppressed');
    expect(refused).toHaveLength(3);
    expect(refused[0]).toMatchObject({ code: 'NO_CERTIFICATE', reason: 'the client sent no certificate' });
    expect(refused[0].msg).toMatch(
      /^refused handshake from 127\.0\.0\.1:\d+: the client sent no certificate \[NO_CERTIFICATE\]; no certificate presented$/,
    );
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatchObject({ suppressed: 22, byCode: { NO_CERTIFICATE: 22 }, topPeers: { '127.0.0.1': 22 } });
    expect(summaries[0].msg).toMatch(
      /^suppressed 22 refused handshakes \(more than 3 in 60 s; the first of each reason was logged\): by reason 22 NO_CERTIFICATE/,
    );
  });
});

// The plain-HTTP /metrics endpoint, on its own port and loopback by default: metrics say who calls
// what and how often, which is not for the network at large, and a scraper needs no client
// certificate. Only GET /metrics is served; nothing from a request is logged.
import { createServer, Server } from 'node:http';
import type { ServerMetrics } from './server-metrics';

export interface MetricsEndpoint {
  host: string;
  port: number;
  close(): Promise<void>;
}

export function startMetricsEndpoint(metrics: ServerMetrics, host: string, port: number): Promise<MetricsEndpoint> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: metrics are at /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('use GET\n');
      return;
    }
    metrics.text().then(
      (text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(req.method === 'HEAD' ? undefined : text),
      (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics collection failed: ${err.message}\n`),
    );
  });
  // A scraper needs one connection; a few spare ones are enough, and slow clients are cut off.
  server.maxConnections = 16;
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve({
        host,
        port: typeof address === 'object' && address ? address.port : port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

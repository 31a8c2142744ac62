// A JSON-RPC proxy that counts the calls passing through it, per method (a batch counts each of
// its requests). The bench measures the gateway's registry RPC load with it (issue #13.4); tests
// use it to check that the steady state makes no per-meter calls.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CountingRpcProxy {
  url: string;
  /** calls per JSON-RPC method since start or the last reset */
  counts(): Record<string, number>;
  total(): number;
  reset(): void;
  close(): Promise<void>;
}

export async function startCountingRpcProxy(upstreamUrl: string): Promise<CountingRpcProxy> {
  let counts: Record<string, number> = {};
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      try {
        const parsed = JSON.parse(body) as { method?: string } | { method?: string }[];
        for (const call of Array.isArray(parsed) ? parsed : [parsed]) counts[call.method ?? '?'] = (counts[call.method ?? '?'] ?? 0) + 1;
      } catch {
        counts['(unparsable)'] = (counts['(unparsable)'] ?? 0) + 1;
      }
      fetch(upstreamUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
        .then(async (answer) => {
          res.writeHead(answer.status, { 'content-type': 'application/json' });
          res.end(await answer.text());
        })
        .catch((error: Error) => {
          res.writeHead(502);
          res.end(error.message);
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts: () => ({ ...counts }),
    total: () => Object.values(counts).reduce((a, b) => a + b, 0),
    reset: () => {
      counts = {};
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

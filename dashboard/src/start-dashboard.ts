// Listens with the dashboard app. Port 0 takes a free port (tests); `close()` also ends open
// server-sent event streams, which would otherwise keep the server alive forever.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type express from 'express';

export interface StartDashboardParameters {
  app: express.Express;
  host?: string;
  port?: number;
}

export interface RunningDashboard {
  port: number;
  url: string;
  close(): Promise<void>;
}

export function startDashboard({ app, host = '127.0.0.1', port = 8080 }: StartDashboardParameters): Promise<RunningDashboard> {
  const server = createServer(app);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const actual = (server.address() as AddressInfo).port;
      const shownHost = host.includes(':') ? `[${host}]` : host;
      resolve({
        port: actual,
        url: `http://${shownHost}:${actual}`,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()));
            server.closeAllConnections();
          }),
      });
    });
  });
}

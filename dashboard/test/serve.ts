// Starts the real dashboard app over real HTTP on a free port around a fake DashboardPorts.
import { createDashboardApp, type CreateDashboardAppParameters } from '../src/create-dashboard-app.js';
import { startDashboard } from '../src/start-dashboard.js';
import { createFakePorts, TOKENS, type FakePorts } from './fake-ports.js';

// Tests reach into answers freely and assert their exact shape; the compiler cannot help there.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyJson = any;

export interface Served {
  url: string;
  ports: FakePorts;
  logs: string[];
  /** active onAny subscriptions (SSE clients) */
  listeners(): number;
  get(path: string, token?: string, init?: RequestInit): Promise<{ status: number; headers: Headers; body: AnyJson; text: string }>;
  close(): Promise<void>;
}

export async function serve(options: Partial<Omit<CreateDashboardAppParameters, 'ports' | 'log'>> = {}): Promise<Served> {
  const ports = createFakePorts();
  let active = 0;
  ports.events = {
    onAny(listener) {
      active += 1;
      const off = ports.gatewayEvents.onAny(listener);
      return () => {
        active -= 1;
        off();
      };
    },
  };
  const logs: string[] = [];
  const app = createDashboardApp({ ports, tokens: TOKENS, log: (line) => logs.push(line), ...options });
  const running = await startDashboard({ app, host: '127.0.0.1', port: 0 });
  return {
    url: running.url,
    ports,
    logs,
    listeners: () => active,
    async get(path, token, init = {}) {
      const headers = new Headers(init.headers);
      if (token) headers.set('authorization', `Bearer ${token}`);
      const response = await fetch(running.url + path, { ...init, headers });
      const text = await response.text();
      let body: AnyJson = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* not JSON: tests compare the text */
      }
      return { status: response.status, headers: response.headers, body, text };
    },
    close: running.close,
  };
}

/** Waits for a condition that another party makes true, with a bound instead of a sleep. */
export async function waitFor(what: string, probe: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

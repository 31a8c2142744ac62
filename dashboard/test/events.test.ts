// GET /api/events over real HTTP: the gateway's events arrive as server-sent events with whole
// messages, households receive only their own meters' events, heartbeats flow, and a closed
// stream removes its listener.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TOKENS } from './fake-ports.js';
import { serve, waitFor, type Served } from './serve.js';

let s: Served;
beforeEach(async () => {
  s = await serve({ events: { heartbeatMs: 60_000 } });
});
afterEach(async () => {
  await s.close();
});

interface Stream {
  /** resolves with everything received once `text` has arrived */
  until(text: string): Promise<string>;
  close(): void;
}

async function openStream(url: string, headers: Record<string, string>): Promise<{ response: Response; stream: Stream }> {
  const abort = new AbortController();
  const response = await fetch(url, { headers, signal: abort.signal });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let received = '';
  return {
    response,
    stream: {
      async until(text) {
        const deadline = AbortSignal.timeout(5_000);
        while (!received.includes(text)) {
          if (deadline.aborted) throw new Error(`no ${JSON.stringify(text)} in ${JSON.stringify(received)}`);
          const { value, done } = await reader.read();
          if (done) throw new Error(`stream ended before ${JSON.stringify(text)}: ${JSON.stringify(received)}`);
          received += value;
        }
        return received;
      },
      close: () => abort.abort(),
    },
  };
}

const accepted = (meterId: string, seq: number) => ({ meterId, pagination: 2, timestampMs: 1_795_000_000_000, importWh: '10', exportWh: '20', seq });

describe('GET /api/events', () => {
  it('streams gateway events as whole SSE messages and removes the listener on close', async () => {
    const { response, stream } = await openStream(`${s.url}/api/events`, { authorization: `Bearer ${TOKENS.regulator}` });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await stream.until('\n\n')).toBe('retry: 3000\n: connected as regulator\n\n');
    expect(s.listeners()).toBe(1);

    s.ports.gatewayEvents.emit('reading.accepted', accepted('m-b1', 7));
    s.ports.gatewayEvents.emit('batch.submitted', { batchId: '3', txHash: '0xabc', blockNumber: 12, gasUsed: '90000' });
    const text = await stream.until('event: batch.submitted');
    expect(text.slice(text.indexOf('event:'))).toBe(
      'event: reading.accepted\ndata: {"meterId":"m-b1","pagination":2,"timestampMs":1795000000000,"importWh":"10","exportWh":"20","seq":7}\n\n' +
        'event: batch.submitted\ndata: {"batchId":"3","txHash":"0xabc","blockNumber":12,"gasUsed":"90000"}\n\n',
    );
    expect((await s.get('/metrics', TOKENS.operator)).text).toContain('\nfeedin_dashboard_sse_clients 1\n');

    stream.close();
    await waitFor('the SSE listener to be removed', () => s.listeners() === 0);
    expect((await s.get('/metrics', TOKENS.operator)).text).toContain('\nfeedin_dashboard_sse_clients 0\n');
  });

  it("gives a household only its own meters' events and batch events, via the session cookie", async () => {
    const login = await s.get('/api/session', undefined, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: TOKENS.households[0]!.token }),
    });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const { stream } = await openStream(`${s.url}/api/events`, { cookie });
    await stream.until(': connected as household\n\n');

    s.ports.gatewayEvents.emit('reading.accepted', accepted('m-b1', 8));
    s.ports.gatewayEvents.emit('security', { meterId: 'm-b1', clientId: 'm-b1', kind: 'foreign-topic', detail: 'x' });
    s.ports.gatewayEvents.emit('reading.rejected', { meterId: null, pagination: null, reason: 'malformed', detail: 'x', seq: 9 });
    s.ports.gatewayEvents.emit('meter.connected', { meterId: 'm-a2' });
    s.ports.gatewayEvents.emit('batch.status', { batchId: '3', status: 'final' });
    const text = await stream.until('event: batch.status');
    expect(text).toBe(
      'retry: 3000\n: connected as household\n\n' +
        'event: meter.connected\ndata: {"meterId":"m-a2"}\n\n' +
        'event: batch.status\ndata: {"batchId":"3","status":"final"}\n\n',
    );
    stream.close();
    await waitFor('the SSE listener to be removed', () => s.listeners() === 0);
  });

  it('sends heartbeat comments', async () => {
    await s.close();
    s = await serve({ events: { heartbeatMs: 20 } });
    const { stream } = await openStream(`${s.url}/api/events`, { authorization: `Bearer ${TOKENS.operator}` });
    expect(await stream.until(': heartbeat ')).toMatch(/^retry: 3000\n: connected as operator\n\n: heartbeat \d+/);
    stream.close();
    await waitFor('the SSE listener to be removed', () => s.listeners() === 0);
  });

  it('ends streams when the server closes', async () => {
    const { stream } = await openStream(`${s.url}/api/events`, { authorization: `Bearer ${TOKENS.operator}` });
    await stream.until('\n\n');
    await s.close();
    await waitFor('the SSE listener to be removed', () => s.listeners() === 0);
    s = await serve();
  });
});

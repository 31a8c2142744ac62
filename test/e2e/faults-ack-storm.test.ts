// Meters subscribed to their acks, all publishing at once: the built gateway process (the bench's:
// real broker, ingest and SQLite store) must answer every reading and deliver every ack. With
// aedes' default emitter limit it died of "Maximum call stack size exceeded" under this load
// (10,000 meters in the bench); a small V8 stack (--stack-size) makes 1,000 meters enough to show
// it, so this fails if the limit comes back (gateway/src/broker/start-broker.ts, `concurrency`).
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';
import type { runIngestBench as RunIngestBench } from '../../cli/src/bench/ingest-bench.js';
import { repoRoot } from '../support/sandbox-process.js';

it('survives 1,000 meters with acks subscribed publishing at once, on a small stack', async () => {
  // the built bench: it forks the built gateway process
  const { runIngestBench } = (await import(pathToFileURL(join(repoRoot, 'cli/dist/bench/ingest-bench.js')).href)) as { runIngestBench: typeof RunIngestBench };
  const r = await runIngestBench({ meters: 1000, readingsPerMeter: 3, pacedSeconds: 0, log: () => {}, gatewayExecArgv: ['--stack-size=80'] });
  expect(r.readings).toBe(3000);
  expect(r.acceptedByGateway).toBe(3000);
  expect(r.rejectedByGateway).toBe(0);
  expect(r.acksReceived).toBe(3000);
}, 180_000);

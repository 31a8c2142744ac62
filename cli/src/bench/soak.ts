// The memory soak: a fleet connected for `minutes`, each meter sending a reading every few
// seconds, gateway RSS sampled; steady state means no growth over the second half.
import { runIngestBench } from './ingest-bench.js';

export interface SoakResult {
  samples: Array<{ atSec: number; rssBytes: number }>;
  rssMidBytes: number;
  growthBytesLastHalf: number;
}

export async function runSoak(o: { meters: number; minutes: number; log: (l: string) => void }): Promise<SoakResult> {
  const samples: SoakResult['samples'] = [];
  await runIngestBench({ meters: o.meters, readingsPerMeter: 1, pacedSeconds: 0, log: o.log, soak: { minutes: o.minutes, onSample: (s) => samples.push(s) } });
  const mid = samples[Math.floor(samples.length / 2)] ?? { rssBytes: 0 };
  const end = samples[samples.length - 1] ?? mid;
  return { samples, rssMidBytes: mid.rssBytes, growthBytesLastHalf: end.rssBytes - mid.rssBytes };
}

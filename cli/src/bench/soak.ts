// The memory soak: a fleet connected for `minutes`, each meter sending a reading every few
// seconds, gateway RSS sampled; steady state means no growth over the second half. With
// --meters 100000 it is also the "100,000 connected meters, idle plus a trickle" measure.
import { readFileSync } from 'node:fs';
import { runIngestBench } from './ingest-bench.js';

export interface SoakResult {
  meters: number;
  samples: Array<{ atSec: number; rssBytes: number }>;
  rssMidBytes: number;
  growthBytesLastHalf: number;
  /** gateway RSS with every meter connected, before the trickle, and per meter above the base */
  rssConnectedBytes: number;
  rssPerMeterBytes: number;
  /** readings sent in the soak, all accepted */
  accepted: boolean;
}

export async function runSoak(o: { meters: number; minutes: number; log: (l: string) => void }): Promise<SoakResult> {
  const samples: SoakResult['samples'] = [];
  const r = await runIngestBench({ meters: o.meters, readingsPerMeter: 1, pacedSeconds: 0, log: o.log, soak: { minutes: o.minutes, onSample: (s) => samples.push(s) } });
  const mid = samples[Math.floor(samples.length / 2)] ?? { rssBytes: 0 };
  const end = samples[samples.length - 1] ?? mid;
  return {
    meters: o.meters,
    samples,
    rssMidBytes: mid.rssBytes,
    growthBytesLastHalf: end.rssBytes - mid.rssBytes,
    rssConnectedBytes: r.gatewayRssConnectedBytes,
    rssPerMeterBytes: r.rssPerMeterBytes,
    accepted: r.acceptedByGateway === r.readings && r.rejectedByGateway === 0,
  };
}

/** This process's open-files limit (soft, /proc/self/limits): the gateway and the load generator
 * each hold one descriptor per connected meter. NaN off Linux. */
export function maxOpenFiles(): number {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    return Number(line?.split(/\s+/)[3]);
  } catch {
    return NaN;
  }
}

// Reads the few figures the operator page needs from GET /metrics (Prometheus text format
// 0.0.4): sums per metric name over all label sets. Enough for counters, gauges and a
// histogram's _sum/_count; not a general parser.
export function sumsByName(text) {
  const sums = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const value = Number(m[3]);
    if (Number.isFinite(value)) sums.set(m[1], (sums.get(m[1]) ?? 0) + value);
  }
  return sums;
}

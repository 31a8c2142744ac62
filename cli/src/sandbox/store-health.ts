// Store health as Prometheus gauges: /metrics is rendered synchronously, so the state of the store
// (InfluxDB reachable? readings waiting in the local spool?) is sampled every few seconds here.
import type { MetricsRegistry } from '@feedin/gateway/metrics';
import type { MonitoredReadingStore } from '@feedin/gateway/store/open-store';

const SAMPLE_EVERY_MS = 2_000;

export function watchStoreHealth(store: MonitoredReadingStore, metrics: MetricsRegistry): () => void {
  const degraded = metrics.gauge('feedin_store_degraded', '1 while the store accepts into its local spool only (InfluxDB unreachable) or does not answer');
  const backlog = metrics.gauge('feedin_store_spool_backlog_readings', 'accepted readings in the local spool not yet written to InfluxDB');
  const influxUp = metrics.gauge('feedin_store_influx_up', '1 when InfluxDB answers, 0 when not; absent meaning for the embedded store');
  let sampling = false;
  const sample = async () => {
    if (sampling) return;
    sampling = true;
    try {
      const h = await store.health();
      degraded.set(h.status === 'ok' ? 0 : 1);
      backlog.set(h.spoolBacklogReadings);
      influxUp.set(h.influxReachable === false ? 0 : 1);
    } catch {
      degraded.set(1);
    } finally {
      sampling = false;
    }
  };
  void sample();
  const timer = setInterval(() => void sample(), SAMPLE_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}

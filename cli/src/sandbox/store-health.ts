// Store health as Prometheus gauges: /metrics is rendered synchronously, so the state of the store
// (InfluxDB reachable? readings waiting in the local spool?) is sampled every few seconds here.
import type { MetricsRegistry } from '@feedin/gateway/metrics';
import type { MonitoredReadingStore } from '@feedin/gateway/store/open-store';

const SAMPLE_EVERY_MS = 2_000;

export function watchStoreHealth(store: MonitoredReadingStore, metrics: MetricsRegistry): () => void {
  const degraded = metrics.gauge('feedin_store_degraded', '1 while the store accepts into its local spool only (InfluxDB unreachable) or does not answer');
  const backlog = metrics.gauge('feedin_store_spool_backlog_readings', 'accepted readings in the local spool not yet written to InfluxDB');
  const influxUp = metrics.gauge('feedin_store_influx_up', '1 when InfluxDB answers, 0 when not; absent meaning for the embedded store');
  // durability jetstream (docs/durability.md): the log's replication and this gateway's role
  const logAck = metrics.gauge('feedin_log_acknowledging', 'jetstream: 1 while this gateway holds the shard lease and acknowledges through the log, 0 when standby or fenced');
  const logReplicasCurrent = metrics.gauge('feedin_log_replicas_current', 'jetstream: replicas of the shard stream that are current (leader included)');
  const logReplicas = metrics.gauge('feedin_log_replicas', 'jetstream: replicas the shard stream is configured with');
  const logLag = metrics.gauge('feedin_log_replica_lag_operations', 'jetstream: the largest lag of a replica behind the stream leader, in operations');
  const logApplied = metrics.gauge('feedin_log_view_applied_seq', 'jetstream: the stream sequence the local SQLite view has applied');
  const logLast = metrics.gauge('feedin_log_last_seq', 'jetstream: the last sequence of the shard stream');
  let sampling = false;
  const sample = async () => {
    if (sampling) return;
    sampling = true;
    try {
      const h = await store.health();
      degraded.set(h.status === 'ok' ? 0 : 1);
      backlog.set(h.spoolBacklogReadings);
      influxUp.set(h.influxReachable === false ? 0 : 1);
      if (h.log) {
        logAck.set(h.log.acknowledging ? 1 : 0);
        logApplied.set(h.log.appliedLogSeq);
        const r = h.log.replication;
        if (r) {
          logReplicasCurrent.set(r.currentPeers + (r.leader ? 1 : 0));
          logReplicas.set(r.replicas);
          logLag.set(r.maxPeerLag);
          logLast.set(r.lastSeq);
        }
      }
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

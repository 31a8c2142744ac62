// Settlement's Prometheus metrics, registered on the gateway's registry (GET /metrics).
import type { Counter, Gauge, Histogram, MetricsRegistry } from '../metrics.js';
import type { BuiltBatch } from './build-batch.js';

export interface SettlementMetrics {
  batchesBuilt: Counter;
  claims: Counter;
  lastBatchId: Gauge;
  backlog: Gauge;
  chainErrors: Counter;
  buildSeconds: Histogram;
  observeBuilt(batch: BuiltBatch, seconds: number): void;
}

export function settlementMetrics(registry: MetricsRegistry): SettlementMetrics {
  const m = {
    batchesBuilt: registry.counter('feedin_settlement_batches_built_total', 'Batches built (one per closed interval, rebuilds included).'),
    claims: registry.counter('feedin_settlement_claims_total', 'Claims put into built batches.'),
    lastBatchId: registry.gauge('feedin_settlement_last_built_batch_id', 'Id of the newest built batch.'),
    backlog: registry.gauge('feedin_settlement_backlog_batches', 'Built batches not yet on chain.'),
    chainErrors: registry.counter('feedin_settlement_errors_total', 'Failed chain calls and failed builds.'),
    buildSeconds: registry.histogram('feedin_settlement_build_seconds', 'Time to gather inputs and build one batch, seconds.', [0.01, 0.05, 0.1, 0.5, 1, 5, 10]),
  };
  return {
    ...m,
    observeBuilt(batch, seconds) {
      m.batchesBuilt.inc();
      m.claims.inc(undefined, batch.claimCount);
      m.lastBatchId.set(Number(batch.batchId));
      m.buildSeconds.observe(seconds);
    },
  };
}

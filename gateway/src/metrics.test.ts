import { describe, expect, it } from 'vitest';
import { createMetrics, createMetricsRegistry } from './metrics.js';

describe('metrics', () => {
  it('renders the gateway metrics in the Prometheus text format', () => {
    const m = createMetrics();
    m.readingsAccepted.inc();
    m.readingsAccepted.inc();
    m.readingsRejected.inc({ reason: 'bad-signature' });
    m.readingsRejected.inc({ reason: 'replay' }, 3);
    m.securityEvents.inc({ kind: 'connect-refused' });
    m.mqttConnectedMeters.set(4);
    m.mqttConnectedMeters.dec();
    m.ingestSeconds.observe(0.003);
    m.ingestSeconds.observe(0.2);
    expect(m.renderPrometheus()).toBe(
      [
        '# HELP feedin_readings_accepted_total Readings that passed every validation rule and were stored.',
        '# TYPE feedin_readings_accepted_total counter',
        'feedin_readings_accepted_total 2',
        '# HELP feedin_readings_rejected_total Frames durably rejected, by reason.',
        '# TYPE feedin_readings_rejected_total counter',
        'feedin_readings_rejected_total{reason="bad-signature"} 1',
        'feedin_readings_rejected_total{reason="replay"} 3',
        '# HELP feedin_readings_duplicate_total Byte-identical repeats of accepted readings (acknowledged, not stored again).',
        '# TYPE feedin_readings_duplicate_total counter',
        'feedin_readings_duplicate_total 0',
        '# HELP feedin_pagination_gaps_total Accepted readings whose PG skipped at least one number.',
        '# TYPE feedin_pagination_gaps_total counter',
        'feedin_pagination_gaps_total 0',
        '# HELP feedin_security_events_total Refused connections, foreign topics, replays, by kind.',
        '# TYPE feedin_security_events_total counter',
        'feedin_security_events_total{kind="connect-refused"} 1',
        '# HELP feedin_mqtt_connected_meters Meters currently connected to the MQTT broker.',
        '# TYPE feedin_mqtt_connected_meters gauge',
        'feedin_mqtt_connected_meters 3',
        '# HELP feedin_ingest_seconds Time from receiving a frame to its durable record, seconds.',
        '# TYPE feedin_ingest_seconds histogram',
        'feedin_ingest_seconds_bucket{le="0.001"} 0',
        'feedin_ingest_seconds_bucket{le="0.0025"} 0',
        'feedin_ingest_seconds_bucket{le="0.005"} 1',
        'feedin_ingest_seconds_bucket{le="0.01"} 1',
        'feedin_ingest_seconds_bucket{le="0.025"} 1',
        'feedin_ingest_seconds_bucket{le="0.05"} 1',
        'feedin_ingest_seconds_bucket{le="0.1"} 1',
        'feedin_ingest_seconds_bucket{le="0.25"} 2',
        'feedin_ingest_seconds_bucket{le="0.5"} 2',
        'feedin_ingest_seconds_bucket{le="1"} 2',
        'feedin_ingest_seconds_bucket{le="2.5"} 2',
        'feedin_ingest_seconds_bucket{le="+Inf"} 2',
        'feedin_ingest_seconds_sum 0.203',
        'feedin_ingest_seconds_count 2',
        '# HELP feedin_mqtt_connections_refused_total MQTT connections refused before or at login, by reason.',
        '# TYPE feedin_mqtt_connections_refused_total counter',
        '',
      ].join('\n'),
    );
  });

  it('escapes label values and lets other parts register their own metrics', () => {
    const r = createMetricsRegistry();
    const batches = r.counter('feedin_batches_submitted_total', 'Batches sent.\nOne line.', ['status']);
    batches.inc({ status: 'a "quoted"\\ value\n' });
    expect(r.renderPrometheus()).toBe(
      [
        '# HELP feedin_batches_submitted_total Batches sent.\\nOne line.',
        '# TYPE feedin_batches_submitted_total counter',
        'feedin_batches_submitted_total{status="a \\"quoted\\"\\\\ value\\n"} 1',
        '',
      ].join('\n'),
    );
  });

  it('throws on misuse: duplicate names, bad names, missing labels, decreasing counters', () => {
    const r = createMetricsRegistry();
    const c = r.counter('x_total', 'x', ['reason']);
    expect(() => r.gauge('x_total', 'again')).toThrow('metrics: x_total is already registered');
    expect(() => r.counter('bad-name', 'x')).toThrow('metrics: invalid metric name "bad-name"');
    expect(() => c.inc()).toThrow('metrics: x_total needs labels [reason], got []');
    expect(() => c.inc({ reason: 'a' }, -1)).toThrow('metrics: x_total.inc(by) needs by ≥ 0, got -1');
  });
});

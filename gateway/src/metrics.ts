// A tiny in-process metrics registry rendered in the Prometheus text exposition format
// (https://prometheus.io/docs/instrumenting/exposition_formats/). No prom-client: the gateway
// needs counters, gauges and one histogram, and a page of code keeps `GET /metrics` dependency-free.
// Ingest and the broker use the typed handles of `createMetrics()`; settlement registers its own
// through the generic `counter` / `gauge` / `histogram`.

export type Labels = Record<string, string>;

export interface Counter<L extends string = never> {
  inc(labels?: Record<L, string>, by?: number): void;
  get(labels?: Record<L, string>): number;
}

export interface Gauge<L extends string = never> {
  set(value: number, labels?: Record<L, string>): void;
  inc(labels?: Record<L, string>, by?: number): void;
  dec(labels?: Record<L, string>, by?: number): void;
  get(labels?: Record<L, string>): number;
}

export interface Histogram {
  observe(value: number): void;
  /** number of observations and their sum (for tests and the dashboard) */
  snapshot(): { count: number; sum: number; buckets: { le: number; count: number }[] };
}

export interface MetricsRegistry {
  counter<L extends string = never>(name: string, help: string, labelNames?: readonly L[]): Counter<L>;
  gauge<L extends string = never>(name: string, help: string, labelNames?: readonly L[]): Gauge<L>;
  histogram(name: string, help: string, bucketsUpperBounds: readonly number[]): Histogram;
  renderPrometheus(): string;
}

export interface GatewayMetrics extends MetricsRegistry {
  readingsAccepted: Counter;
  readingsRejected: Counter<'reason'>;
  readingsDuplicate: Counter;
  paginationGaps: Counter;
  securityEvents: Counter<'kind'>;
  mqttConnectedMeters: Gauge;
  /** receive → durable, seconds */
  ingestSeconds: Histogram;
  /** MQTT connections refused before or at login, by reason (counted, not logged one by one) */
  mqttConnectionsRefused: Counter<'reason'>;
}

type Kind = 'counter' | 'gauge' | 'histogram';
interface Family {
  name: string;
  help: string;
  kind: Kind;
  render(): string[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function createMetricsRegistry(): MetricsRegistry {
  const families = new Map<string, Family>();

  function register(family: Family): void {
    // Misuse (a typo'd or duplicate name) throws at start-up, not at scrape time.
    if (!NAME.test(family.name)) throw new TypeError(`metrics: invalid metric name ${JSON.stringify(family.name)}`);
    if (families.has(family.name)) throw new TypeError(`metrics: ${family.name} is already registered`);
    families.set(family.name, family);
  }

  function labelled(name: string, help: string, kind: 'counter' | 'gauge', labelNames: readonly string[]) {
    for (const l of labelNames) if (!LABEL.test(l)) throw new TypeError(`metrics: invalid label name ${JSON.stringify(l)} on ${name}`);
    const values = new Map<string, { labels: Labels; value: number }>();
    const key = (labels: Labels | undefined): { key: string; labels: Labels } => {
      const given = labels ?? {};
      const names = Object.keys(given);
      if (names.length !== labelNames.length || !labelNames.every((l) => l in given))
        throw new TypeError(`metrics: ${name} needs labels [${labelNames.join(', ')}], got [${names.join(', ')}]`);
      return { key: labelNames.map((l) => given[l]).join('\u0000'), labels: given };
    };
    const add = (labels: Labels | undefined, by: number): void => {
      const k = key(labels);
      const entry = values.get(k.key);
      if (entry) entry.value += by;
      else values.set(k.key, { labels: { ...k.labels }, value: by });
    };
    // A metric without labels is exported as 0 before its first event, so dashboards see it.
    if (labelNames.length === 0) values.set('', { labels: {}, value: 0 });
    register({
      name,
      help,
      kind,
      render: () => [...values.values()].map((e) => `${name}${formatLabels(e.labels)} ${formatNumber(e.value)}`),
    });
    return {
      add,
      set: (labels: Labels | undefined, value: number) => {
        const k = key(labels);
        values.set(k.key, { labels: { ...k.labels }, value });
      },
      get: (labels: Labels | undefined) => values.get(key(labels).key)?.value ?? 0,
    };
  }

  return {
    counter<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
      const m = labelled(name, help, 'counter', labelNames);
      return {
        inc(labels, by = 1) {
          // Prometheus: a counter only goes up.
          if (!(by >= 0)) throw new RangeError(`metrics: ${name}.inc(by) needs by ≥ 0, got ${by}`);
          m.add(labels, by);
        },
        get: (labels) => m.get(labels),
      };
    },
    gauge<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
      const m = labelled(name, help, 'gauge', labelNames);
      return {
        set: (value, labels) => m.set(labels, value),
        inc: (labels, by = 1) => m.add(labels, by),
        dec: (labels, by = 1) => m.add(labels, -by),
        get: (labels) => m.get(labels),
      };
    },
    histogram(name: string, help: string, bucketsUpperBounds: readonly number[]): Histogram {
      const bounds = [...bucketsUpperBounds].sort((a, b) => a - b);
      const counts = bounds.map(() => 0);
      let count = 0;
      let sum = 0;
      register({
        name,
        help,
        kind: 'histogram',
        render: () => [
          ...bounds.map((le, i) => `${name}_bucket{le="${formatNumber(le)}"} ${counts[i]}`),
          `${name}_bucket{le="+Inf"} ${count}`,
          `${name}_sum ${formatNumber(sum)}`,
          `${name}_count ${count}`,
        ],
      });
      return {
        observe(value) {
          count += 1;
          sum += value;
          // Buckets are cumulative: an observation counts in every bucket whose bound it fits.
          bounds.forEach((le, i) => {
            if (value <= le) counts[i]! += 1;
          });
        },
        snapshot: () => ({ count, sum, buckets: bounds.map((le, i) => ({ le, count: counts[i]! })) }),
      };
    },
    renderPrometheus(): string {
      const lines: string[] = [];
      for (const f of families.values()) {
        lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.kind}`, ...f.render());
      }
      return lines.join('\n') + '\n';
    },
  };
}

/** The registry with the ingest and broker metrics already registered. */
export function createMetrics(): GatewayMetrics {
  const registry = createMetricsRegistry();
  return {
    ...registry,
    readingsAccepted: registry.counter('feedin_readings_accepted_total', 'Readings that passed every validation rule and were stored.'),
    readingsRejected: registry.counter('feedin_readings_rejected_total', 'Frames durably rejected, by reason.', ['reason']),
    readingsDuplicate: registry.counter('feedin_readings_duplicate_total', 'Byte-identical repeats of accepted readings (acknowledged, not stored again).'),
    paginationGaps: registry.counter('feedin_pagination_gaps_total', 'Accepted readings whose PG skipped at least one number.'),
    securityEvents: registry.counter('feedin_security_events_total', 'Refused connections, foreign topics, replays, by kind.', ['kind']),
    mqttConnectedMeters: registry.gauge('feedin_mqtt_connected_meters', 'Meters currently connected to the MQTT broker.'),
    ingestSeconds: registry.histogram('feedin_ingest_seconds', 'Time from receiving a frame to its durable record, seconds.', [
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
    ]),
    mqttConnectionsRefused: registry.counter('feedin_mqtt_connections_refused_total', 'MQTT connections refused before or at login, by reason.', ['reason']),
  };
}

function formatLabels(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}`;
}

// Exposition format: label values escape \, " and newline; HELP escapes \ and newline.
function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(help: string): string {
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

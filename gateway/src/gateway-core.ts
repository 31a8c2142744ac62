// The gateway's core as one closeable unit — cryptography, the one ingest path, the serial lines
// and the MQTT broker — built the same way by `feedin up` (cli/src/sandbox/start-sandbox.ts) and
// by the ingest bench's gateway process (cli/src/bench/gateway-child.ts), so that the bench
// measures what runs. The caller owns the store, the directory and what comes after ingest
// (settlement, dashboard); close() stops in reverse order: broker, serial lines, worker threads.
import type { Clock } from '@feedin/protocol/sandbox-time';
import type { SerialLineSettings } from '@feedin/serial-port/reconnecting-port';
import { startBroker, type Broker, type StartBrokerParameters } from './broker/start-broker.js';
import type { GatewayEvents } from './events.js';
import { createGatewayCrypto, type GatewayCrypto, type GatewayCryptoOptions } from './gateway-crypto.js';
import { createIngest, type Ingest } from './ingest/ingest.js';
import type { GatewayMetrics } from './metrics.js';
import type { MeterDirectory } from './registry/meter-directory.js';
import { startSerialIngest, type SerialIngest } from './serial/serial-ingest.js';
import type { ReadingStore } from './store/reading-store.js';

/** The broker's own settings; what the core shares with it (ingest, crypto, clock …) it fills in. */
export type GatewayCoreBrokerSettings = Omit<StartBrokerParameters, 'ingest' | 'directory' | 'clock' | 'events' | 'metrics' | 'log' | 'verifyMeterJwt' | 'maxPayloadBytes' | 'jwtMaxLifetimeSeconds'>;

export interface GatewayCoreParameters {
  store: ReadingStore;
  directory: MeterDirectory;
  clock: Clock;
  /** the shard this gateway serves (config gateway.shard): other shards' meters are refused at
   * login and their readings by TM (docs/design.md §Shards) */
  shard?: number;
  events: GatewayEvents;
  metrics: GatewayMetrics;
  crypto: GatewayCryptoOptions;
  limits: { clockSkewSeconds: number; plausibilityMarginPercent: number };
  /** the largest reading accepted, on MQTT and on serial lines alike (mqtt.maxPayloadBytes) */
  maxPayloadBytes: number;
  jwtMaxLifetimeSeconds: number;
  broker: GatewayCoreBrokerSettings;
  /** serial lines to meters, started before the broker, through the same ingest */
  serialLines?: readonly SerialLineSettings[];
  log: Pick<Console, 'info' | 'warn' | 'error'>;
  /** only the bench's MQTT-layer measure (docs/bench.md): a plain responder in place of the ingest
   * path, so aedes and every broker hook run as in `feedin up` but nothing is decoded or verified */
  ingestStandIn?: Ingest;
}

export interface GatewayCore {
  readonly crypto: GatewayCrypto;
  readonly ingest: Ingest;
  readonly serial: readonly SerialIngest[];
  readonly broker: Broker;
  /** idempotent; stops the broker, then the serial lines, then the verify pool's threads */
  close(): Promise<void>;
}

export async function startGatewayCore(p: GatewayCoreParameters): Promise<GatewayCore> {
  const stack: Array<() => Promise<void>> = [];
  const closeAll = async (): Promise<void> => {
    const errors: unknown[] = [];
    for (const close of stack.splice(0).reverse()) await close().catch((error: unknown) => errors.push(error));
    if (errors.length > 0) throw errors[0];
  };
  try {
    const crypto = await createGatewayCrypto(p.crypto);
    stack.push(() => crypto.close());
    const { store, directory, clock, events, metrics, log } = p;
    const limits = { ...p.limits, maxFrameBytes: p.maxPayloadBytes };
    const ingest = p.ingestStandIn ?? (await createIngest({ store, directory, ...(p.shard === undefined ? {} : { shard: p.shard }), clock, limits, events, metrics, verifyPool: crypto.verifyPool, log }));
    const serial: SerialIngest[] = [];
    for (const line of p.serialLines ?? []) {
      const started = await startSerialIngest({ ...line, ingest, maxLineBytes: p.maxPayloadBytes, log });
      serial.push(started);
      stack.push(() => started.close());
    }
    const broker = await startBroker({
      ...p.broker,
      ingest,
      directory,
      ...(p.shard === undefined ? {} : { shard: p.shard }),
      clock,
      events,
      metrics,
      log,
      verifyMeterJwt: crypto.verifyMeterJwt,
      jwtMaxLifetimeSeconds: p.jwtMaxLifetimeSeconds,
      maxPayloadBytes: p.maxPayloadBytes,
    });
    stack.push(() => broker.close());
    let closing: Promise<void> | undefined;
    return { crypto, ingest, serial, broker, close: () => (closing ??= closeAll()) };
  } catch (error) {
    await closeAll().catch(() => {});
    throw error;
  }
}

// The gateway's in-process event bus: ingest and settlement emit, the dashboard's server-sent
// events and metrics listen. Payloads are plain JSON-able objects (bigints as decimal strings)
// so they can be forwarded to browsers unchanged.
import { EventEmitter } from 'node:events';

export interface GatewayEventMap {
  'reading.accepted': { meterId: string; pagination: number; timestampMs: number; importWh: string; exportWh: string; seq: number };
  'reading.rejected': { meterId: string | null; pagination: number | null; reason: string; detail: string; seq: number };
  'reading.gap': { meterId: string; expected: number; received: number };
  'security': { meterId: string | null; clientId: string | null; kind: string; detail: string };
  'meter.connected': { meterId: string };
  'meter.disconnected': { meterId: string };
  'batch.built': { batchId: string; intervalStartMs: number; intervalEndMs: number; claimCount: number; totalAmount: string };
  'batch.submitted': { batchId: string; txHash: string; blockNumber: number; gasUsed: string };
  'batch.status': { batchId: string; status: string };
  'batch.rejected': { batchId: string; reason: string };
  'settlement.error': { batchId: string | null; detail: string };
  /** a batch on chain, still rejectable, pays a reading signed with a key revoked at its TM */
  'settlement.key-revoked': { batchId: string; meterId: string; detail: string };
}

export type GatewayEventName = keyof GatewayEventMap;

export class GatewayEvents {
  readonly #emitter = new EventEmitter();

  constructor() {
    // Every SSE client adds listeners; a busy dashboard is not a leak.
    this.#emitter.setMaxListeners(0);
  }

  emit<K extends GatewayEventName>(name: K, payload: GatewayEventMap[K]): void {
    this.#emitter.emit(name, payload);
    this.#emitter.emit('*', name, payload);
  }

  on<K extends GatewayEventName>(name: K, listener: (payload: GatewayEventMap[K]) => void): () => void {
    this.#emitter.on(name, listener);
    return () => this.#emitter.off(name, listener);
  }

  onAny(listener: <K extends GatewayEventName>(name: K, payload: GatewayEventMap[K]) => void): () => void {
    this.#emitter.on('*', listener);
    return () => this.#emitter.off('*', listener);
  }
}

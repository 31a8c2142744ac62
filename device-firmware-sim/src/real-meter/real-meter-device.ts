// The device core every real-meter reader ends in (P1, Modbus RTU, SunSpec over Modbus TCP,
// IEC 62056-21): registers a reader has checked → one signed OCMF reading in the durable outbox →
// MQTT QoS 1 to the gateway, resent after every reconnect until acknowledged (docs/design.md
// §Store-and-forward). One signer, one outbox, one publisher per meter; the reader only decides
// which registers are trustworthy (CRC, BCC, Modbus exception, unit id), never how they are sent.
//
// TM is the sandbox clock when the registers were read, not the meter's own clock: the gateway
// checks TM against its clock (docs/design.md §Validation rules (gateway)), and most meters have
// no clock to offer.
import type { MqttLinkParameters } from '../mqtt-link.js';
import { createMqttLink } from '../mqtt-link.js';
import { parseAck } from '@feedin/protocol/ack';
import type { DeviceSigner } from '../device-keys.js';
import type { Outbox } from '../outbox.js';
import { createOutboxPublisher } from '../outbox-publisher.js';
import { MILLIJOULES_PER_WH } from '../registers.js';

export interface MeterRegisters {
  importWh: bigint;
  exportWh: bigint;
  /** OCMF MV (manufacturer) and MM (model) of the meter read */
  vendor: { MV: string; MM: string };
}

export interface SignedReading {
  meterId: string;
  pagination: number;
  timestampMs: number;
  importWh: bigint;
  exportWh: bigint;
  ocmf: string;
}

export interface RealMeterDeviceStats {
  connected: boolean;
  readings: number;
  /** registers offered but not signed: too soon after the last reading, the outbox full, or the previous one still being stored */
  skipped: number;
  /** registers offered lower than the last signed ones */
  wentDown: number;
  sent: number;
  acked: number;
  rejected: number;
  pending: number;
}

export interface RealMeterDeviceParameters {
  signer: DeviceSigner;
  outbox: Outbox;
  /** the sandbox clock (ms); TM of each reading */
  nowMs(): number;
  utcOffsetMinutes: number;
  link: Omit<MqttLinkParameters, 'meterId' | 'signJwt' | 'onConnected' | 'onDisconnected' | 'onAck' | 'log'>;
  /** sandbox ms to wait after a reading before signing the next offered registers (0: sign each) */
  minIntervalMs?: number;
  /** publishes in flight before waiting for PUBACKs */
  window?: number;
  log(message: string): void;
  /** registers refused by the core (they went down); the reader words the log line */
  onRefused(why: string): void;
  onReading?(reading: SignedReading): void;
}

export interface RealMeterDevice {
  readonly meterId: string;
  start(): void;
  /** offers registers read from the meter; false when skipped because the previous one is still being stored */
  offer(registers: MeterRegisters, onSigned?: (reading: SignedReading) => void): boolean;
  /** resolves when the registers offered so far are stored (or refused) */
  idle(): Promise<void>;
  stats(): RealMeterDeviceStats;
  stop(): Promise<void>;
}

export function createRealMeterDevice(p: RealMeterDeviceParameters): RealMeterDevice {
  const { signer, outbox } = p;
  const meterId = signer.meterId;
  const counts = { readings: 0, skipped: 0, wentDown: 0 };
  const publisher = createOutboxPublisher({ meterId, outbox, window: p.window, log: p.log });
  let storing: Promise<void> = Promise.resolve();
  let busy = false;

  const link = createMqttLink({
    ...p.link,
    meterId,
    signJwt: signer.signJwt,
    log: p.log,
    onAck(payload) {
      const ack = parseAck(payload);
      if (!ack.ok) return p.log(`${meterId}: ignored an ack: ${ack.detail}`);
      publisher.onAck(ack.value);
    },
    onConnected: publisher.onConnected,
    onDisconnected: publisher.onDisconnected,
  });

  const sign = async (r: MeterRegisters, onSigned?: (reading: SignedReading) => void) => {
    const atMs = p.nowMs();
    const st = outbox.state();
    // OCMF: TM after the previous reading; and the optional thinning of a fast register stream.
    if (st.lastReadingMs !== null && atMs - st.lastReadingMs < Math.max(1, p.minIntervalMs ?? 0)) return void counts.skipped++;
    if (outbox.isFull()) return void counts.skipped++;
    const registers = { importMilliJoules: r.importWh * MILLIJOULES_PER_WH, exportMilliJoules: r.exportWh * MILLIJOULES_PER_WH };
    // A meter's registers never decrease; lower values mean another meter (or a reset one) on the
    // line, and signing them would only make the gateway quarantine them.
    if (registers.importMilliJoules < st.registers.importMilliJoules || registers.exportMilliJoules < st.registers.exportMilliJoules) {
      counts.wentDown++;
      return p.onRefused(`registers went down (import ${r.importWh} Wh, export ${r.exportWh} Wh; last signed ${st.registers.importMilliJoules / MILLIJOULES_PER_WH} / ${st.registers.exportMilliJoules / MILLIJOULES_PER_WH} Wh)`);
    }
    const pagination = st.nextPagination;
    const ocmf = signer.signReading({
      pagination,
      importWh: r.importWh,
      exportWh: r.exportWh,
      timestampMs: atMs,
      utcOffsetMinutes: p.utcOffsetMinutes,
      clockStatus: 'S',
      meterStatus: 'G',
      vendor: r.vendor,
    });
    await outbox.append({ pagination, ocmf, atMs, registers });
    counts.readings++;
    const reading = { meterId, pagination, timestampMs: atMs, importWh: r.importWh, exportWh: r.exportWh, ocmf };
    onSigned?.(reading);
    p.onReading?.(reading);
    publisher.flush();
  };

  return {
    meterId,
    start: () => link.start(),
    offer(registers, onSigned) {
      if (busy) {
        counts.skipped++;
        return false;
      }
      busy = true;
      storing = sign(registers, onSigned)
        .catch((error: unknown) => p.log(`${meterId}: reading failed: ${(error as Error).message}`))
        .finally(() => (busy = false));
      return true;
    },
    idle: () => storing,
    stats: () => ({ connected: link.isConnected(), ...counts, ...publisher.counts, pending: outbox.pendingCount() }),
    async stop() {
      await storing;
      await link.stop();
      await outbox.close();
    },
  };
}

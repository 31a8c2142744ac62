// A real meter behind its P1 port, as a feedin device: bytes from the port → telegrams (framer) →
// registers (parser) → a signed OCMF reading in the durable outbox → MQTT QoS 1 to the gateway,
// resent after every reconnect until acknowledged (docs/design.md §Store-and-forward), all in the
// device core shared with the other readers (real-meter/real-meter-device.ts). The meter's own CRC
// is the line's integrity check: a telegram is signed only when its CRC is valid, or absent in a
// version that has none (DSMR 2.2/3.0).
//
// TM is the sandbox clock at the moment the telegram arrived, not the meter's 0-0:1.0.0: the
// gateway checks TM against its own clock (docs/design.md §Validation rules (gateway)), the P1
// clock has only seconds and a DST letter, and DSMR 2.2/3.0 meters have no clock at all. The
// meter's timestamp is kept in the log line of each reading.
import { createRealMeterDevice, type RealMeterDeviceParameters } from '../real-meter/real-meter-device.js';
import { parseP1Telegram, type P1Telegram } from './parse-telegram.js';
import { createTelegramFramer } from './telegram-framer.js';

export interface P1ReadingEvent {
  meterId: string;
  pagination: number;
  timestampMs: number;
  importWh: bigint;
  exportWh: bigint;
  telegram: P1Telegram;
  ocmf: string;
}

export interface P1MeterStats {
  connected: boolean;
  telegrams: number;
  /** telegrams refused: CRC wrong, unparseable, a register missing, another meter's, registers going back */
  refused: number;
  /** bytes the framer threw away while resynchronising */
  discardedBytes: number;
  readings: number;
  /** usable telegrams not signed: too soon after the last reading, or the previous one still being stored */
  skipped: number;
  sent: number;
  acked: number;
  rejected: number;
  pending: number;
}

export interface P1MeterParameters extends Omit<RealMeterDeviceParameters, 'onRefused' | 'onReading'> {
  maxTelegramBytes?: number;
  onReading?(event: P1ReadingEvent): void;
}

export interface P1Meter {
  readonly meterId: string;
  start(): void;
  /** bytes as they come from the P1 port, cut anywhere */
  push(chunk: Uint8Array | string): void;
  /** resolves when the telegrams pushed so far are stored (or refused) */
  idle(): Promise<void>;
  stats(): P1MeterStats;
  stop(): Promise<void>;
}

export function createP1Meter(p: P1MeterParameters): P1Meter {
  const framer = createTelegramFramer({ maxTelegramBytes: p.maxTelegramBytes });
  const counts = { telegrams: 0, refused: 0, discardedBytes: 0 };
  let equipmentId: string | null | undefined;
  const refuse = (why: string) => {
    counts.refused++;
    p.log(`${device.meterId}: P1 telegram refused: ${why}`);
  };
  const device = createRealMeterDevice({ ...p, onRefused: refuse, onReading: undefined });
  const meterId = device.meterId;

  const onTelegram = (text: string) => {
    counts.telegrams++;
    const parsed = parseP1Telegram(text);
    if (!parsed.ok) return refuse(`${parsed.reason}: ${parsed.detail}`);
    const t = parsed.value;
    if (t.crc === 'invalid') return refuse('crc-mismatch: the CRC16 after ! does not match');
    // A feed-in reading needs both directions: a consumption-only meter (no 2.8.x) cannot say
    // what was fed in, and signing 0 would claim a measurement it never made.
    if (t.importWh === null || t.exportWh === null)
      return refuse(`missing-register: the telegram has no ${t.importWh === null ? 'import (1-0:1.8.x)' : 'export (1-0:2.8.x)'} register`);
    // The first telegram pins the meter: a different equipment id later is another meter.
    if (equipmentId === undefined) equipmentId = t.equipmentId;
    else if (t.equipmentId !== equipmentId) return refuse(`equipment id ${JSON.stringify(t.equipmentId)} is not the meter this device started with (${JSON.stringify(equipmentId)})`);
    const { importWh, exportWh } = t;
    device.offer({ importWh, exportWh, vendor: vendorFields(t.identification) }, (r) => p.onReading?.({ ...r, telegram: t }));
  };

  return {
    meterId,
    start: () => device.start(),
    push(chunk) {
      for (const e of framer.push(chunk)) {
        if (e.kind === 'telegram') onTelegram(e.text);
        else counts.discardedBytes += e.bytes;
      }
    },
    idle: () => device.idle(),
    stats() {
      // registers going down are refused through `refuse`, so they are in counts.refused already
      const { wentDown: _, ...s } = device.stats();
      return { ...s, ...counts };
    },
    stop: () => device.stop(),
  };
}

/** "/ISk5\2MT382-1000" → MV "ISk" (manufacturer code), MM "2MT382-1000" (the 5th byte is the
 * baud-rate letter, then an optional "\n" before the type; DSMR P1 §6.4 identification). */
function vendorFields(identification: string): { MV: string; MM: string } {
  const model = identification.slice(4).replace(/^\\/, '').trim();
  return { MV: identification.slice(0, 3), MM: (model || 'P1 meter').slice(0, 32) };
}

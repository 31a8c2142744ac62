// A real meter behind its P1 port, as a feedin device: bytes from the port → telegrams (framer) →
// registers (parser) → a signed OCMF reading in the durable outbox → MQTT QoS 1 to the gateway,
// resent after every reconnect until acknowledged (DESIGN: store-and-forward). The meter's own
// CRC is the line's integrity check: a telegram is signed only when its CRC is valid, or absent
// in a version that has none (DSMR 2.2/3.0).
//
// TM is the sandbox clock at the moment the telegram arrived, not the meter's 0-0:1.0.0: the
// gateway checks TM against its own clock (DESIGN: Validation rules), the P1 clock has only
// seconds and a DST letter, and DSMR 2.2/3.0 meters have no clock at all. The meter's timestamp
// is kept in the log line of each reading.
import type { MqttLinkParameters, LinkSession } from '../mqtt-link.js';
import { createMqttLink } from '../mqtt-link.js';
import { parseAck } from '@feedin/protocol/ack';
import type { DeviceSigner } from '../device-keys.js';
import type { Outbox } from '../outbox.js';
import { MILLIJOULES_PER_WH } from '../registers.js';
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
  /** telegrams refused: CRC wrong, unparseable, another meter's, registers going back */
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

export interface P1MeterParameters {
  signer: DeviceSigner;
  outbox: Outbox;
  /** the sandbox clock (ms); TM of each reading */
  nowMs(): number;
  utcOffsetMinutes: number;
  link: Omit<MqttLinkParameters, 'meterId' | 'signJwt' | 'onConnected' | 'onDisconnected' | 'onAck' | 'log'>;
  /** sandbox ms to wait after a reading before signing the next usable telegram (0: sign each one) */
  minIntervalMs?: number;
  maxTelegramBytes?: number;
  /** publishes in flight before waiting for PUBACKs */
  window?: number;
  log(message: string): void;
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
  const { signer, outbox } = p;
  const meterId = signer.meterId;
  const window = p.window ?? 64;
  const framer = createTelegramFramer({ maxTelegramBytes: p.maxTelegramBytes });
  const counts = { telegrams: 0, refused: 0, discardedBytes: 0, readings: 0, skipped: 0, sent: 0, acked: 0, rejected: 0 };
  let session: LinkSession | undefined;
  let sentThrough = 0;
  let inFlight = 0;
  let storing: Promise<void> = Promise.resolve();
  let busy = false;
  let equipmentId: string | null | undefined;

  const flush = () => {
    const s = session;
    if (!s) return;
    const end = outbox.state().nextPagination;
    while (sentThrough + 1 < end && inFlight < window) {
      const pg = ++sentThrough;
      const ocmf = outbox.getPending(pg);
      if (ocmf === undefined) continue;
      inFlight++;
      counts.sent++;
      s.publishReading(ocmf, () => {
        if (session !== s) return;
        inFlight--;
        flush();
      });
    }
  };

  const link = createMqttLink({
    ...p.link,
    meterId,
    signJwt: signer.signJwt,
    log: p.log,
    onAck(payload) {
      const ack = parseAck(payload);
      if (!ack.ok) return p.log(`${meterId}: ignored an ack: ${ack.detail}`);
      if (!outbox.acknowledge(ack.value.pagination)) return;
      if (ack.value.status === 'accepted') counts.acked++;
      else {
        counts.rejected++;
        p.log(`${meterId}: reading F${ack.value.pagination} rejected by the gateway: ${ack.value.reason ?? 'no reason given'}`);
      }
    },
    onConnected(s) {
      session = s;
      inFlight = 0;
      const first = outbox.pending().next();
      sentThrough = (first.done ? outbox.state().nextPagination : first.value[0]) - 1;
      flush();
    },
    onDisconnected() {
      session = undefined;
    },
  });

  const refuse = (why: string) => {
    counts.refused++;
    p.log(`${meterId}: P1 telegram refused: ${why}`);
  };

  const sign = async (t: P1Telegram) => {
    const atMs = p.nowMs();
    const st = outbox.state();
    // OCMF: TM after the previous reading; and the optional thinning of a 1 s telegram stream.
    if (st.lastReadingMs !== null && atMs - st.lastReadingMs < Math.max(1, p.minIntervalMs ?? 0)) return void counts.skipped++;
    if (outbox.isFull()) return void counts.skipped++;
    const registers = { importMilliJoules: t.importWh * MILLIJOULES_PER_WH, exportMilliJoules: t.exportWh * MILLIJOULES_PER_WH };
    // A meter's registers never decrease; lower values mean another meter (or a reset one) on the
    // port, and signing them would only make the gateway quarantine them.
    if (registers.importMilliJoules < st.registers.importMilliJoules || registers.exportMilliJoules < st.registers.exportMilliJoules)
      return refuse(`registers went down (import ${t.importWh} Wh, export ${t.exportWh} Wh; last signed ${st.registers.importMilliJoules / MILLIJOULES_PER_WH} / ${st.registers.exportMilliJoules / MILLIJOULES_PER_WH} Wh)`);
    const pagination = st.nextPagination;
    const ocmf = signer.signReading({
      pagination,
      importWh: t.importWh,
      exportWh: t.exportWh,
      timestampMs: atMs,
      utcOffsetMinutes: p.utcOffsetMinutes,
      clockStatus: 'S',
      meterStatus: 'G',
      vendor: vendorFields(t.identification),
    });
    await outbox.append({ pagination, ocmf, atMs, registers });
    counts.readings++;
    p.onReading?.({ meterId, pagination, timestampMs: atMs, importWh: t.importWh, exportWh: t.exportWh, telegram: t, ocmf });
    flush();
  };

  const onTelegram = (text: string) => {
    counts.telegrams++;
    const parsed = parseP1Telegram(text);
    if (!parsed.ok) return refuse(`${parsed.reason}: ${parsed.detail}`);
    const t = parsed.value;
    if (t.crc === 'invalid') return refuse('crc-mismatch: the CRC16 after ! does not match');
    // The first telegram pins the meter: a different equipment id later is another meter.
    if (equipmentId === undefined) equipmentId = t.equipmentId;
    else if (t.equipmentId !== equipmentId) return refuse(`equipment id ${JSON.stringify(t.equipmentId)} is not the meter this device started with (${JSON.stringify(equipmentId)})`);
    if (busy) return void counts.skipped++;
    busy = true;
    storing = sign(t)
      .catch((error: unknown) => p.log(`${meterId}: reading failed: ${(error as Error).message}`))
      .finally(() => (busy = false));
  };

  return {
    meterId,
    start: () => link.start(),
    push(chunk) {
      for (const e of framer.push(chunk)) {
        if (e.kind === 'telegram') onTelegram(e.text);
        else counts.discardedBytes += e.bytes;
      }
    },
    idle: () => storing,
    stats: () => ({ connected: link.isConnected(), ...counts, pending: outbox.pendingCount() }),
    async stop() {
      await storing;
      await link.stop();
      await outbox.close();
    },
  };
}

/** "/ISk5\2MT382-1000" → MV "ISk" (manufacturer code), MM "2MT382-1000" (the 5th byte is the
 * baud-rate letter, then an optional "\n" before the type; DSMR P1 §6.4 identification). */
function vendorFields(identification: string): { MV: string; MM: string } {
  const model = identification.slice(4).replace(/^\\/, '').trim();
  return { MV: identification.slice(0, 3), MM: (model || 'P1 meter').slice(0, 32) };
}

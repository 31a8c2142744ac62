// One simulated meter: at each reading instant it integrates its registers, signs an OCMF reading
// (TM in the sandbox time zone, clock status S, meter status G), puts it durably in its outbox and
// only then publishes it. After every (re)connect it resends what is unacknowledged, in PG order,
// at most `window` unanswered publishes at a time so hundreds of catching-up meters share fairly.
import { parseAck, type AckMessage } from '@feedin/protocol/ack';
import type { DeviceSigner } from './device-keys.js';
import { createMqttLink, type LinkSession, type MqttLink, type MqttLinkParameters } from './mqtt-link.js';
import type { Outbox } from './outbox.js';
import type { PowerSample, PvModel } from './pv-model.js';
import { integrateRegisters, registersWh } from './registers.js';
import { createOutboxPublisher } from './outbox-publisher.js';

export interface MeterReadingEvent {
  meterId: string;
  pagination: number;
  timestampMs: number;
  importWh: bigint;
  exportWh: bigint;
  /** the model's power at the reading instant (for dashboards; not part of the signed record) */
  power: PowerSample;
  ocmf: string;
}

export interface MeterDeviceStats {
  connected: boolean;
  /** readings taken (signed and stored) by this process */
  readings: number;
  /** publishes, resends included */
  sent: number;
  acked: number;
  rejected: number;
  pending: number;
  /** reading instants passed over: outbox full, or the previous reading still being stored */
  skipped: number;
}

export interface MeterDeviceParameters {
  signer: DeviceSigner;
  outbox: Outbox;
  model: PvModel;
  utcOffsetMinutes: number;
  /** where a brand-new meter starts integrating (sandbox ms); its first reading is the baseline */
  installedAtMs: number;
  /** MQTT broker to publish to; ignored when openLink is given */
  link?: Omit<MqttLinkParameters, 'meterId' | 'signJwt' | 'onConnected' | 'onDisconnected' | 'onAck' | 'log'>;
  /** another transport instead of MQTT (a serial line: serial-link.ts) */
  openLink?(hooks: DeviceLinkHooks): DeviceLink;
  /** publishes in flight per connection before waiting for PUBACKs */
  window?: number;
  /** 0..1 chance per reading of cutting the connection (simulation.faults.dropConnection) */
  dropConnection?: number;
  random?: () => number;
  log(message: string): void;
  onReading?(event: MeterReadingEvent): void;
}

/** What a transport does for a meter: MqttLink, or a meter's place on a serial line. */
export type DeviceLink = MqttLink;

/** What a transport calls back; acks arrive already parsed (each transport has its own bytes). */
export interface DeviceLinkHooks {
  meterId: string;
  onConnected(session: LinkSession): void;
  onDisconnected(): void;
  onAck(ack: AckMessage): void;
  log(message: string): void;
}

export interface MeterDevice {
  readonly meterId: string;
  start(): void;
  takeReading(atMs: number): Promise<void>;
  stats(): MeterDeviceStats;
  stop(): Promise<void>;
}

export function createMeterDevice(p: MeterDeviceParameters): MeterDevice {
  const { signer, outbox } = p;
  const meterId = signer.meterId;
  const counts = { readings: 0, skipped: 0 };
  const publisher = createOutboxPublisher({ meterId, outbox, window: p.window, log: p.log });
  let reading: Promise<void> | undefined;
  let fullLogged = false;

  const hooks: DeviceLinkHooks = {
    meterId,
    log: p.log,
    onAck: publisher.onAck,
    onConnected: publisher.onConnected,
    onDisconnected: publisher.onDisconnected,
  };
  const openMqttLink = (): DeviceLink => {
    if (!p.link) throw new RangeError(`link: ${meterId} needs an MQTT broker (link) or another transport (openLink)`);
    return createMqttLink({
      ...p.link,
      ...hooks,
      signJwt: signer.signJwt,
      onAck(payload) {
        const ack = parseAck(payload);
        if (!ack.ok) return p.log(`${meterId}: ignored an ack: ${ack.detail}`);
        publisher.onAck(ack.value);
      },
    });
  };
  const link: DeviceLink = p.openLink ? p.openLink(hooks) : openMqttLink();

  const read = async (atMs: number) => {
    if (outbox.isFull()) {
      counts.skipped++;
      if (!fullLogged) p.log(`${meterId}: outbox full (${outbox.capacity} unacknowledged readings); no new readings until the gateway acknowledges`);
      fullLogged = true;
      return;
    }
    fullLogged = false;
    const st = outbox.state();
    // OCMF: TM after the previous reading; a clock that went back waits until it passes it again.
    if (st.lastReadingMs !== null && atMs <= st.lastReadingMs) return;
    const fromMs = Math.min(st.lastReadingMs ?? p.installedAtMs, atMs);
    const registers = integrateRegisters(st.registers, p.model.powerAt, fromMs, atMs);
    const { importWh, exportWh } = registersWh(registers);
    const pagination = st.nextPagination;
    const ocmf = signer.signReading({ pagination, importWh, exportWh, timestampMs: atMs, utcOffsetMinutes: p.utcOffsetMinutes, clockStatus: 'S', meterStatus: 'G' });
    await outbox.append({ pagination, ocmf, atMs, registers });
    counts.readings++;
    p.onReading?.({ meterId, pagination, timestampMs: atMs, importWh, exportWh, power: p.model.powerAt(atMs), ocmf });
    publisher.flush();
    if (p.dropConnection && (p.random ?? Math.random)() < p.dropConnection) link.drop();
  };

  return {
    meterId,
    start: () => link.start(),
    takeReading(atMs) {
      if (reading) {
        counts.skipped++;
        return reading;
      }
      reading = read(atMs).finally(() => (reading = undefined));
      return reading;
    },
    stats: () => ({ connected: link.isConnected(), ...counts, ...publisher.counts, pending: outbox.pendingCount() }),
    async stop() {
      await reading?.catch(() => undefined);
      await link.stop();
      await outbox.close();
    },
  };
}

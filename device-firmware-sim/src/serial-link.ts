// The serial line of simulated meters: several meters share one RS-485/USB line (one port), each
// writing its OCMF readings as `\n`-terminated lines; the gateway answers each with
// `ACK <meterId> <PG>` / `NAK <meterId> <PG> <reason>` (docs/design.md §Serial). For a meter an ACK
// is what a PUBACK plus an accepted ack is over MQTT; a NAK is a rejection. The port reopens with
// backoff when it disappears; every (re)open is a new session per meter, so the meter resends
// what is unacknowledged (store-and-forward). A line can be lost on the wire without anybody
// noticing, so a meter whose readings go unanswered for `answerTimeoutMs` starts a new session too.
import { parsePagination } from '@feedin/protocol/ack';
import type { Backoff } from '@feedin/protocol/backoff';
import { createLineFramer } from '@feedin/protocol/line-framer';
import { parseOcmf } from '@feedin/protocol/ocmf-parse';
import { parseSerialAnswer } from '@feedin/protocol/serial-answer';
import { openReconnectingPort, type ReconnectingPort, type SerialLineSettings } from '@feedin/serial-port/reconnecting-port';
import type { DeviceLink, DeviceLinkHooks } from './meter-device.js';
import type { LinkSession } from './mqtt-link.js';

export type { SerialLineSettings };

export interface SerialLineParameters extends SerialLineSettings {
  backoff?: Backoff;
  /** wall-clock ms without an answer to an outstanding reading before a meter resends */
  answerTimeoutMs?: number;
  log(message: string): void;
}

export interface SerialLine {
  /** the link of one meter on this line (what createMqttLink is for MQTT) */
  link(hooks: DeviceLinkHooks): DeviceLink;
  isOpen(): boolean;
  close(): Promise<void>;
}

interface MeterOnLine {
  hooks: DeviceLinkHooks;
  started: boolean;
  session: LinkSession | undefined;
  /** PG number → publish callback, for readings written and not yet answered */
  outstanding: Map<number, (error?: Error) => void>;
  timer: ReturnType<typeof setTimeout> | undefined;
}

function paginationOf(ocmf: string): number | undefined {
  const parsed = parseOcmf(ocmf);
  return parsed.ok ? parsePagination(parsed.value.payload['PG']) : undefined;
}

export function openSerialLine(p: SerialLineParameters): SerialLine {
  const answerTimeoutMs = p.answerTimeoutMs ?? 5_000;
  const meters = new Map<string, MeterOnLine>();
  // An answer is short: a longer line is noise, dropped whole.
  const framer = createLineFramer(256);

  const endSession = (m: MeterOnLine) => {
    if (m.timer) clearTimeout(m.timer);
    m.timer = undefined;
    const callbacks = [...m.outstanding.values()];
    m.outstanding.clear();
    const had = m.session !== undefined;
    m.session = undefined;
    for (const done of callbacks) done(new Error('serial session ended'));
    if (had) m.hooks.onDisconnected();
  };

  const armTimer = (m: MeterOnLine) => {
    if (m.timer) clearTimeout(m.timer);
    m.timer = undefined;
    if (m.outstanding.size === 0) return;
    m.timer = setTimeout(() => {
      m.timer = undefined;
      m.hooks.log(`${m.hooks.meterId}: no answer on ${p.path} for ${answerTimeoutMs} ms; resending what is unacknowledged`);
      endSession(m);
      beginSession(m);
    }, answerTimeoutMs);
  };

  const beginSession = (m: MeterOnLine) => {
    if (!port.isOpen() || !m.started || m.session) return;
    const session: LinkSession = {
      publishReading(ocmf, done) {
        const pagination = paginationOf(ocmf);
        if (m.session !== session || !port.isOpen()) return done(new Error('serial line closed'));
        // The device's own reading always has a PG; without one it could never be answered.
        if (pagination === undefined) return done(new Error('reading without a PG'));
        m.outstanding.set(pagination, done);
        if (!m.timer) armTimer(m);
        port.write(`${ocmf}\n`);
      },
    };
    m.session = session;
    m.hooks.onConnected(session);
  };

  const onLine = (line: string) => {
    if (line.trim() === '') return;
    const answer = parseSerialAnswer(line);
    if (!answer.ok) {
      // e.g. `NAK - - malformed`: the gateway could not read a line; the timeout resends it.
      return p.log(`serial ${p.path}: ignored: ${answer.detail}`);
    }
    const m = meters.get(answer.value.meterId);
    if (!m) return; // another device's meter on the same bus
    const { meterId: _meterId, ...ack } = answer.value;
    m.hooks.onAck(ack);
    const done = m.outstanding.get(ack.pagination);
    if (done) {
      m.outstanding.delete(ack.pagination);
      armTimer(m);
      done();
    }
  };

  const port: ReconnectingPort = openReconnectingPort({
    ...p,
    log: { info: p.log, warn: p.log },
    onData(chunk) {
      for (const line of framer.push(chunk)) if (line.kind === 'line') onLine(Buffer.from(line.bytes.buffer, line.bytes.byteOffset, line.bytes.length).toString('latin1'));
    },
    // Every (re)open is a new session per meter, which resends what is unacknowledged.
    onOpen: () => {
      for (const m of meters.values()) beginSession(m);
    },
    onClose: () => {
      framer.reset();
      for (const m of meters.values()) endSession(m);
    },
  });

  const closeLine = async () => {
    for (const m of meters.values()) endSession(m);
    await port.close();
  };

  return {
    link(hooks) {
      if (meters.has(hooks.meterId)) throw new RangeError(`meterId: ${hooks.meterId} is on this serial line already`);
      const m: MeterOnLine = { hooks, started: false, session: undefined, outstanding: new Map(), timer: undefined };
      meters.set(hooks.meterId, m);
      return {
        start() {
          m.started = true;
          beginSession(m);
        },
        isConnected: () => m.session !== undefined,
        drop() {
          // Fault injection: forget what is in flight, as if the answers were lost on the wire.
          if (!m.session) return;
          endSession(m);
          beginSession(m);
        },
        async stop() {
          m.started = false;
          endSession(m);
          meters.delete(hooks.meterId);
        },
      };
    },
    isOpen: () => port.isOpen(),
    close: closeLine,
  };
}

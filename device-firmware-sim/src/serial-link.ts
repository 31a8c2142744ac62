// The serial line of simulated meters: several meters share one RS-485/USB line (one port), each
// writing its OCMF readings as `\n`-terminated lines; the gateway answers each with
// `ACK <meterId> <PG>` / `NAK <meterId> <PG> <reason>` (DESIGN "Transports"). For a meter an ACK
// is what a PUBACK plus an accepted ack is over MQTT; a NAK is a rejection. The port reopens with
// backoff when it disappears; every (re)open is a new session per meter, so the meter resends
// what is unacknowledged (store-and-forward). A line can be lost on the wire without anybody
// noticing, so a meter whose readings go unanswered for `answerTimeoutMs` starts a new session too.
import { parseOcmf } from '@feedin/protocol/ocmf-parse';
import { SerialPort } from 'serialport';
import type { DeviceLink, DeviceLinkHooks } from './meter-device.js';
import type { LinkSession } from './mqtt-link.js';
import { createLineFramer } from '@feedin/protocol/line-framer';
import { parseSerialAnswer } from '@feedin/protocol/serial-answer';

export interface SerialLineSettings {
  path: string;
  baudRate?: number;
  dataBits?: 5 | 6 | 7 | 8;
  parity?: 'none' | 'even' | 'odd' | 'mark' | 'space';
  stopBits?: 1 | 1.5 | 2;
}

export interface SerialLineParameters extends SerialLineSettings {
  backoff?: { initialMs: number; maxMs: number };
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
  const pg = parsed.ok ? parsed.value.payload['PG'] : undefined;
  const m = typeof pg === 'string' ? /^F(\d{1,15})$/.exec(pg) : null;
  return m ? Number(m[1]) : undefined;
}

export function openSerialLine(p: SerialLineParameters): SerialLine {
  const backoff = p.backoff ?? { initialMs: 250, maxMs: 10_000 };
  const answerTimeoutMs = p.answerTimeoutMs ?? 5_000;
  const meters = new Map<string, MeterOnLine>();
  let port: SerialPort | undefined;
  let open = false;
  let closed = false;
  let attempt = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let lastProblem = '';

  const problem = (text: string) => {
    if (text !== lastProblem) p.log(`serial ${p.path}: ${text}`);
    lastProblem = text;
  };

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
    if (!open || !m.started || m.session) return;
    const session: LinkSession = {
      publishReading(ocmf, done) {
        const pagination = paginationOf(ocmf);
        if (m.session !== session || !port || !open) return done(new Error('serial line closed'));
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

  const scheduleRetry = () => {
    if (closed || retryTimer) return;
    const capMs = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(attempt, 20));
    attempt++;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      connect();
    }, capMs / 2 + Math.random() * (capMs / 2));
  };

  const connect = () => {
    if (closed) return;
    const sp = new SerialPort({ path: p.path, baudRate: p.baudRate ?? 115200, dataBits: p.dataBits ?? 8, parity: p.parity ?? 'none', stopBits: p.stopBits ?? 1, autoOpen: false });
    // An answer is short: a longer line is noise, dropped whole.
    const framer = createLineFramer(256);
    port = sp;
    sp.on('data', (chunk: Buffer) => {
      if (port !== sp) return;
      for (const line of framer.push(chunk)) if (line.kind === 'line') onLine(Buffer.from(line.bytes.buffer, line.bytes.byteOffset, line.bytes.length).toString('latin1'));
    });
    sp.on('error', (error: Error) => {
      if (port === sp) problem(error.message);
    });
    sp.on('close', (error?: Error & { disconnected?: boolean }) => {
      if (port !== sp) return;
      port = undefined;
      open = false;
      for (const m of meters.values()) endSession(m);
      if (closed) return;
      problem(error?.disconnected ? 'disconnected; reopening' : 'closed; reopening');
      scheduleRetry();
    });
    sp.open((error) => {
      if (port !== sp) return;
      if (error) {
        port = undefined;
        problem(`cannot open: ${error.message}`);
        return scheduleRetry();
      }
      if (closed) return void sp.close();
      open = true;
      attempt = 0;
      if (lastProblem) p.log(`serial ${p.path}: open again (after: ${lastProblem})`);
      lastProblem = '';
      for (const m of meters.values()) beginSession(m);
    });
  };

  const closeLine = async () => {
    closed = true;
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = undefined;
    const sp = port;
    port = undefined;
    open = false;
    for (const m of meters.values()) endSession(m);
    if (sp?.isOpen) await new Promise<void>((resolve) => sp.close(() => resolve()));
  };

  connect();
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
    isOpen: () => open,
    close: closeLine,
  };
}

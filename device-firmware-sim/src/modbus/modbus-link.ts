// One Modbus master link — an RS-485 line (RTU) or a TCP connection (Modbus TCP, SunSpec) — that
// every meter on it shares. modbus-serial does the framing (RTU CRC16, MBAP header, exception
// responses); this module turns each outcome into a result with a reason the device can act on,
// sends one request at a time (RTU is half duplex: a second master frame would collide), and
// reopens a lost port or connection with back-off. Library errors are translated here and only
// here (STYLE: one boundary).
//
// Reasons: 'exception' (the unit answered with a Modbus exception, Modbus Application Protocol
// V1.1b3 §7), 'crc' (an answer whose CRC16 does not match: noise, wrong line settings or two
// units with one id), 'timeout' (this unit did not answer in time), 'silent-bus' (no unit on the
// line has answered for several requests in a row: cable, A/B swapped, termination, baud or
// parity), 'port' (the serial port or TCP connection is not open), 'malformed' (an answer of the
// wrong length, unit or function).
import modbusSerial from 'modbus-serial';
import { fail, ok, type Result } from '@feedin/protocol/result';
import { backoffDelayMs, DEFAULT_BACKOFF, type Backoff } from '@feedin/protocol/backoff';

export type ModbusFailure = 'exception' | 'crc' | 'timeout' | 'silent-bus' | 'port' | 'malformed';

export type ModbusTransport =
  | { kind: 'rtu'; path: string; baudRate: number; dataBits: 7 | 8; parity: 'none' | 'even' | 'odd'; stopBits: 1 | 2 }
  | { kind: 'tcp'; host: string; port: number };

export interface ModbusLinkParameters {
  transport: ModbusTransport;
  /** how long to wait for an answer */
  timeoutMs?: number;
  /** consecutive unanswered requests (any unit) after which the line counts as silent */
  silentAfter?: number;
  backoff?: Backoff;
  log(message: string): void;
}

export interface ModbusLink {
  readonly name: string;
  /** function code 3 (holding) or 4 (input registers); resolves, never rejects */
  read(unit: number, functionCode: 3 | 4, address: number, count: number): Promise<Result<number[], ModbusFailure>>;
  stats(): { requests: number; answers: number; failures: Record<ModbusFailure, number> };
  close(): Promise<void>;
}

// modbus-serial is CommonJS; its module object carries the client class as `default` too.
const ModbusRTU = modbusSerial.default;
type ModbusClient = InstanceType<typeof ModbusRTU>;

interface LibraryError {
  message?: string;
  errno?: string;
  modbusCode?: number;
}

export function openModbusLink(p: ModbusLinkParameters): ModbusLink {
  const t = p.transport;
  const name = t.kind === 'rtu' ? `${t.path} (${t.baudRate} ${t.dataBits}${t.parity[0]!.toUpperCase()}${t.stopBits})` : `${t.host}:${t.port}`;
  const timeoutMs = p.timeoutMs ?? 1_000;
  const silentAfter = Math.max(2, p.silentAfter ?? 3);
  const backoff = p.backoff ?? DEFAULT_BACKOFF;
  const failures: Record<ModbusFailure, number> = { exception: 0, crc: 0, timeout: 0, 'silent-bus': 0, port: 0, malformed: 0 };
  let requests = 0;
  let answers = 0;
  let unanswered = 0;
  let client: ModbusClient | undefined;
  let opening: Promise<void> | undefined;
  let openAttempt = 0;
  let nextOpenAtMs = 0;
  let lastOpenError = '';
  let closed = false;
  let queue: Promise<unknown> = Promise.resolve();

  const open = async (): Promise<void> => {
    const c = new ModbusRTU();
    try {
      if (t.kind === 'rtu') await c.connectRTUBuffered(t.path, { baudRate: t.baudRate, dataBits: t.dataBits, parity: t.parity, stopBits: t.stopBits });
      else await c.connectTCP(t.host, { port: t.port });
    } catch (error) {
      openAttempt++;
      nextOpenAtMs = Date.now() + backoffDelayMs(openAttempt - 1, backoff);
      const text = (error as LibraryError).message ?? String(error);
      if (text !== lastOpenError) p.log(`Modbus ${name}: cannot open: ${text}; retrying with back-off`);
      lastOpenError = text;
      return;
    }
    c.setTimeout(timeoutMs);
    // A port that closes (USB adapter pulled, TCP peer gone) is reopened on the next request.
    c.on('close', () => {
      if (client === c) client = undefined;
    });
    c.on('error', () => {});
    if (closed) return void c.close(() => {});
    client = c;
    openAttempt = 0;
    p.log(`Modbus ${name} open${lastOpenError ? ` (after: ${lastOpenError})` : ''}`);
    lastOpenError = '';
  };

  const transact = async (unit: number, functionCode: 3 | 4, address: number, count: number): Promise<Result<number[], ModbusFailure>> => {
    if (closed) return fail('port', `Modbus ${name} is closed`);
    if (!client?.isOpen) {
      client = undefined;
      if (Date.now() >= nextOpenAtMs) await (opening ??= open().finally(() => (opening = undefined)));
      if (!client) return fail('port', `Modbus ${name} is not open${lastOpenError ? `: ${lastOpenError}` : ''}`);
    }
    const c: ModbusClient = client;
    requests++;
    try {
      c.setID(unit);
      const answer = functionCode === 3 ? await c.readHoldingRegisters(address, count) : await c.readInputRegisters(address, count);
      answers++;
      unanswered = 0;
      if (answer.data.length !== count) return counted('malformed', `${unit}: expected ${count} registers, got ${answer.data.length}`);
      return ok(answer.data);
    } catch (error) {
      const e = error as LibraryError;
      const where = `unit ${unit}, function ${functionCode}, registers 0x${address.toString(16).padStart(4, '0')}+${count}`;
      if (e.modbusCode !== undefined) {
        answers++;
        unanswered = 0;
        return counted('exception', `${where}: the meter answered Modbus exception ${e.modbusCode} (${e.message?.replace(/^Modbus exception \d+: /, '')})`);
      }
      if (!c.isOpen) {
        client = undefined;
        return counted('port', `Modbus ${name}: ${t.kind === 'rtu' ? 'the port closed (adapter unplugged?)' : 'the connection closed'}; reopening with back-off`);
      }
      if (e.message === 'CRC error') {
        unanswered = 0;
        return counted('crc', `${where}: the answer failed its CRC16 (line noise, wrong baud or parity, or two meters with one unit id); discarded`);
      }
      if (e.errno === 'ETIMEDOUT') {
        unanswered++;
        if (t.kind === 'rtu' && unanswered >= silentAfter) return counted('silent-bus', `no meter on ${name} has answered the last ${unanswered} requests (check the cable, A/B polarity, termination, baud rate and parity)`);
        return counted('timeout', `${where}: no answer within ${timeoutMs} ms (unit id, or the meter is off)`);
      }
      if (e.message === 'Port Not Open' || e.errno === 'ECONNREFUSED' || e.errno === 'ECONNRESET' || e.errno === 'EPIPE') {
        client = undefined;
        return counted('port', `Modbus ${name}: ${e.message ?? e.errno}`);
      }
      return counted('malformed', `${where}: ${e.message ?? String(error)}`);
    }
  };

  const counted = (reason: ModbusFailure, detail: string) => {
    failures[reason]++;
    return fail(reason, detail);
  };

  return {
    name,
    read(unit, functionCode, address, count) {
      if (!Number.isInteger(unit) || unit < 0 || unit > 247) throw new RangeError(`unit: 0-247 (Modbus unit id), got ${unit}`);
      const run = queue.then(() => transact(unit, functionCode, address, count));
      queue = run.catch(() => undefined);
      return run;
    },
    stats: () => ({ requests, answers, failures: { ...failures } }),
    async close() {
      closed = true;
      await queue;
      const c = client;
      client = undefined;
      if (c?.isOpen) await new Promise<void>((resolve) => c.close(() => resolve()));
    },
  };
}

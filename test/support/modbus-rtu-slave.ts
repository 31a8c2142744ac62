// Modbus RTU energy meters for the tests: one responder on the meter end of a socat pty pair that
// answers as every unit configured on the bus (several meters on one RS-485 line), from register
// tables transcribed from the vendors' documents independently of the reader's meter-models.ts,
// so a wrong address in either shows up as a failing test:
// - Eastron SDM120 / SDM630 (SDM120 Modbus Protocol V2.x; SDM630 Modbus Protocol V1.9): input
//   registers (FC 04), register numbers 3xxxx, 32-bit float, high word first; 30001 phase 1
//   volts, 30073 import active energy kWh, 30075 export active energy kWh, 30343 total kWh.
// - CHINT DTSU666 (user manual, Modbus address table): holding registers (FC 03), float, high
//   word first; 0x401E ImpEp kWh, then the per-phase import registers, 0x4028 ExpEp kWh, then
//   the per-phase export registers (filled here so a block read across them is answered).
// Request framing is hand-rolled (RTU slave side: 8-byte FC 03/04 requests, CRC16 checked),
// with faults to inject: an exception code, a corrupted CRC, one unit silent, the whole bus silent.
import { SerialPort } from 'serialport';

export type SimulatedModel = 'sdm120' | 'sdm630' | 'dtsu666';

export interface SlaveUnit {
  model: SimulatedModel;
  importKWh: number;
  exportKWh: number;
  /** answer every request with this Modbus exception code */
  exception?: number;
  /** answer with the last CRC byte flipped */
  corruptCrc?: boolean;
  /** do not answer at all */
  silent?: boolean;
}

export interface ModbusRtuSlave {
  units: Map<number, SlaveUnit>;
  /** nobody answers (a cut cable) */
  silent: boolean;
  /** requests seen, by unit */
  requests: Map<number, number>;
  close(): Promise<void>;
}

/** Modbus over serial line V1.02 §6.2.2: CRC-16, polynomial 0xA001 (reflected 0x8005), init 0xFFFF, low byte first. */
export function modbusCrc16(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

function floatWords(value: number): [number, number] {
  const b = Buffer.alloc(4);
  b.writeFloatBE(value);
  return [b.readUInt16BE(0), b.readUInt16BE(2)];
}

/** register address (0-based protocol address) → value, per function code */
function registerTable(unit: SlaveUnit): { functionCode: 3 | 4; registers: Map<number, number> } {
  const registers = new Map<number, number>();
  const put = (address: number, value: number) => {
    const [high, low] = floatWords(value);
    registers.set(address, high);
    registers.set(address + 1, low);
  };
  if (unit.model === 'dtsu666') {
    put(0x401e, unit.importKWh);
    for (let a = 0x4020; a <= 0x4026; a += 2) put(a, unit.importKWh / 3);
    put(0x4028, unit.exportKWh);
    for (let a = 0x402a; a <= 0x402e; a += 2) put(a, unit.exportKWh / 3);
    return { functionCode: 3, registers };
  }
  const reg = (number: number) => number - 30001; // Eastron register numbers 3xxxx → protocol address
  put(reg(30001), 230.1);
  put(reg(30073), unit.importKWh);
  put(reg(30075), unit.exportKWh);
  put(reg(30343), unit.importKWh + unit.exportKWh);
  return { functionCode: 4, registers };
}

function frame(bytes: number[]): Buffer {
  const body = Buffer.from(bytes);
  const crc = modbusCrc16(body);
  return Buffer.concat([body, Buffer.from([crc & 0xff, crc >>> 8])]);
}

export async function startModbusRtuSlave(path: string, opts: { baudRate?: number } = {}): Promise<ModbusRtuSlave> {
  const port = new SerialPort({ path, baudRate: opts.baudRate ?? 9600, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
  const slave: ModbusRtuSlave = {
    units: new Map(),
    silent: false,
    requests: new Map(),
    close: () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  };
  let buf = Buffer.alloc(0);
  const answer = (request: Buffer) => {
    const unitId = request[0]!;
    const fc = request[1]!;
    slave.requests.set(unitId, (slave.requests.get(unitId) ?? 0) + 1);
    const unit = slave.units.get(unitId);
    if (slave.silent || !unit || unit.silent) return; // RTU: only the addressed unit answers
    const address = request.readUInt16BE(2);
    const count = request.readUInt16BE(4);
    const table = registerTable(unit);
    let response: Buffer;
    const values = Array.from({ length: count }, (_, i) => table.registers.get(address + i));
    if (unit.exception !== undefined) response = frame([unitId, fc | 0x80, unit.exception]);
    else if (fc !== table.functionCode) response = frame([unitId, fc | 0x80, 1]); // illegal function
    else if (count < 1 || count > 125 || values.some((v) => v === undefined)) response = frame([unitId, fc | 0x80, 2]); // illegal data address
    else response = frame([unitId, fc, count * 2, ...values.flatMap((v) => [v! >>> 8, v! & 0xff])]);
    if (unit.corruptCrc) response[response.length - 1]! ^= 0xff;
    port.write(response);
  };
  port.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 8) {
      const candidate = buf.subarray(0, 8);
      const crc = modbusCrc16(candidate.subarray(0, 6));
      if (candidate[6] === (crc & 0xff) && candidate[7] === crc >>> 8 && (candidate[1] === 3 || candidate[1] === 4)) {
        answer(Buffer.from(candidate));
        buf = buf.subarray(8);
      } else buf = buf.subarray(1); // resynchronise on the next byte
    }
  });
  return slave;
}

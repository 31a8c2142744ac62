// A SunSpec device over Modbus TCP for the tests (modbus-serial's ServerTCP), laid out as the
// SunSpec Information Model Reference (20211209) defines, transcribed here independently of the
// reader: "SunS" at 40000, common model 1 (L = 66: Mn, Md, Opt, Vr, SN, DA, pad), a three-phase
// inverter model 103 (L = 50: WH acc32 at offset 24, WH_SF at 26) and/or a wye meter model 203
// (L = 105: TotWhExp at 38, TotWhImp at 46, TotWh_SF at 54), then the end marker 0xFFFF 0.
// Registers outside the map answer exception 2 (illegal data address), as devices do.
import { createServer, type AddressInfo } from 'node:net';
import modbusSerial from 'modbus-serial';

export interface SunSpecServerState {
  unit: number;
  manufacturer: string;
  model: string;
  serialNumber: string;
  /** inverter lifetime production, raw acc32, and its WH_SF */
  inverter?: { wh: number; sf: number };
  /** meter totals, raw acc32, and TotWh_SF */
  meter?: { exportWh: number; importWh: number; sf: number };
}

export interface SunSpecServer {
  port: number;
  state: SunSpecServerState;
  close(): Promise<void>;
}

function text(value: string, registers: number): number[] {
  const bytes = Buffer.alloc(registers * 2);
  bytes.write(value, 'ascii');
  return Array.from({ length: registers }, (_, i) => bytes.readUInt16BE(i * 2));
}

const u16 = (n: number) => (n < 0 ? n + 0x10000 : n) & 0xffff;
const acc32 = (m: number[], offset: number, n: number) => {
  m[offset] = Math.floor(n / 0x10000) & 0xffff;
  m[offset + 1] = n & 0xffff;
};

export function sunspecRegisters(s: SunSpecServerState): Map<number, number> {
  const words: number[] = [0x5375, 0x6e53];
  // model 1: ID, L, Mn(16) Md(16) Opt(8) Vr(8) SN(16) DA(1) Pad(1)
  words.push(1, 66, ...text(s.manufacturer, 16), ...text(s.model, 16), ...text('', 8), ...text('1.0.0', 8), ...text(s.serialNumber, 16), s.unit, 0x8000);
  if (s.inverter) {
    const m = new Array<number>(52).fill(0xffff);
    m[0] = 103;
    m[1] = 50;
    acc32(m, 24, s.inverter.wh);
    m[26] = u16(s.inverter.sf);
    words.push(...m);
  }
  if (s.meter) {
    const m = new Array<number>(107).fill(0x8000);
    m[0] = 203;
    m[1] = 105;
    acc32(m, 38, s.meter.exportWh);
    acc32(m, 46, s.meter.importWh);
    m[54] = u16(s.meter.sf);
    words.push(...m);
  }
  words.push(0xffff, 0);
  return new Map(words.map((w, i) => [40000 + i, w]));
}

/** `port`: listen there (a restart of the same device); default a free port */
export async function startSunSpecServer(state: SunSpecServerState, opts: { port?: number } = {}): Promise<SunSpecServer> {
  // a free port first: ServerTCP listens on the port it is given
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const illegalAddress = Object.assign(new Error('illegal data address'), { modbusErrorCode: 2 });
  const lookup = (addr: number, length: number, unitID: number) => {
    if (unitID !== state.unit) throw Object.assign(new Error('no such unit'), { modbusErrorCode: 0x0b }); // gateway target failed to respond
    const map = sunspecRegisters(state);
    const values = Array.from({ length }, (_, i) => map.get(addr + i));
    if (values.some((v) => v === undefined)) throw illegalAddress;
    return values as number[];
  };
  const server = new modbusSerial.ServerTCP(
    {
      getHoldingRegister: (addr: number, unitID: number) => lookup(addr, 1, unitID)[0]!,
      getMultipleHoldingRegisters: (addr: number, length: number, unitID: number) => lookup(addr, length, unitID),
    },
    { host: '127.0.0.1', port, unitID: 255 },
  );
  await new Promise<void>((resolve) => server.once('initialized', () => resolve()));
  return {
    port,
    state,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

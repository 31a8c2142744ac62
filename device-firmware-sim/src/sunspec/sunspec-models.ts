// SunSpec over Modbus: discovery of the device's model list and the lifetime energy counters of
// the inverter and meter models. Source: SunSpec Alliance, "SunSpec Information Model
// Reference" (SunSpec_Information_Model_Reference_20211209.xlsx, the model definitions
// smdx_00001, smdx_00101-00103, smdx_00201-00204) and the "SunSpec Modbus" register layout:
// - the map starts with the marker "SunS" (0x5375 0x6E53) at holding register 40000, 0 or 50000;
//   then models follow, each "ID, L, L registers of points", until ID 0xFFFF;
// - model 1 (common): Mn manufacturer at offset 2 (16 registers, ASCII), Md model at 18 (16),
//   SN serial number at 50 (16); offsets count from the ID register;
// - models 101/102/103 (inverter single/split/three phase, L = 50): WH "AC lifetime energy"
//   acc32 at offset 24-25, WH_SF sunssf at 26; energy the inverter produced;
// - models 201/202/203/204 (meter single/split/wye/delta, L = 105): TotWhExp "Total real energy
//   exported" acc32 at 38-39, TotWhImp "Total real energy imported" acc32 at 46-47, TotWh_SF
//   sunssf at 54; a meter at the grid connection point exports what the house feeds in.
// A scale factor is a signed power of ten (value × 10^SF); 0x8000 means "not implemented".
// Pure: the register reads come in through `read`.
import { fail, ok, type Result } from '@feedin/protocol/result';

export const SUNSPEC_BASE_ADDRESSES = [40000, 0, 50000] as const;
export const SUNS_MARKER = [0x5375, 0x6e53] as const;
const END_OF_MODELS = 0xffff;
const MAX_MODELS = 64;
const SF_NOT_IMPLEMENTED = 0x8000;

export const INVERTER_MODELS = [101, 102, 103] as const;
export const METER_MODELS = [201, 202, 203, 204] as const;
const OFFSET = { mn: 2, md: 18, sn: 50, inverterWh: 24, inverterWhSf: 26, meterTotWhExp: 38, meterTotWhImp: 46, meterTotWhSf: 54 } as const;

export type SunSpecFailure = 'not-sunspec' | 'no-energy-model' | 'scale-factor' | 'read';

export interface SunSpecModel {
  id: number;
  /** holding register of the model's ID point */
  address: number;
  /** L: registers after ID and L */
  length: number;
}

export interface SunSpecDevice {
  base: number;
  models: SunSpecModel[];
  manufacturer: string;
  model: string;
  serialNumber: string;
  /** the model read for energy: a meter (201-204) when there is one, else an inverter (101-103) */
  energy: SunSpecModel;
}

/** holding registers at `address`; failure details name what went wrong on the wire */
export type ReadHolding = (address: number, count: number) => Promise<Result<number[], string>>;

export async function discoverSunSpec(read: ReadHolding): Promise<Result<SunSpecDevice, SunSpecFailure | string>> {
  let base: number | undefined;
  const tried: string[] = [];
  for (const candidate of SUNSPEC_BASE_ADDRESSES) {
    const marker = await read(candidate, 2);
    // an exception (no such register) means "not here"; a dead link means we cannot tell
    if (!marker.ok && marker.reason !== 'exception') return marker;
    if (marker.ok && marker.value[0] === SUNS_MARKER[0] && marker.value[1] === SUNS_MARKER[1]) {
      base = candidate;
      break;
    }
    tried.push(String(candidate));
  }
  if (base === undefined) return fail('not-sunspec', `no "SunS" marker at holding register ${tried.join(', ')}`);

  const models: SunSpecModel[] = [];
  let address = base + 2;
  for (let i = 0; i < MAX_MODELS; i++) {
    const header = await read(address, 2);
    if (!header.ok) return header;
    const [id, length] = header.value as [number, number];
    if (id === END_OF_MODELS) break;
    models.push({ id, address, length });
    address += 2 + length;
  }
  const common = models.find((m) => m.id === 1);
  const energy = models.find((m) => (METER_MODELS as readonly number[]).includes(m.id)) ?? models.find((m) => (INVERTER_MODELS as readonly number[]).includes(m.id));
  if (!energy) return fail('no-energy-model', `models ${models.map((m) => m.id).join(', ') || 'none'}: no inverter (101-103) nor meter (201-204) model`);
  let manufacturer = 'SunSpec';
  let model = `model ${energy.id}`;
  let serialNumber = '';
  if (common) {
    const block = await read(common.address, Math.min(2 + common.length, OFFSET.sn + 16));
    if (!block.ok) return block;
    const text = (offset: number) => sunspecString(block.value.slice(offset, offset + 16));
    manufacturer = text(OFFSET.mn) || manufacturer;
    model = text(OFFSET.md) || model;
    serialNumber = text(OFFSET.sn);
  }
  return ok({ base, models, manufacturer, model, serialNumber, energy });
}

export interface SunSpecEnergy {
  /** model 20x TotWhImp; 0 for an inverter (it meters production only) */
  importWh: bigint;
  /** model 20x TotWhExp, or model 10x WH (production) */
  exportWh: bigint;
  source: 'meter' | 'inverter';
}

export async function readSunSpecEnergy(read: ReadHolding, energy: SunSpecModel): Promise<Result<SunSpecEnergy, SunSpecFailure | string>> {
  const isMeter = (METER_MODELS as readonly number[]).includes(energy.id);
  const count = (isMeter ? OFFSET.meterTotWhSf : OFFSET.inverterWhSf) + 1;
  const block = await read(energy.address, count);
  if (!block.ok) return block;
  const r = block.value;
  if (r[0] !== energy.id) return fail('read', `register ${energy.address} holds model id ${r[0]}, not ${energy.id}: the device's model list changed`);
  const acc32 = (offset: number) => BigInt(((r[offset]! << 16) >>> 0) + r[offset + 1]!);
  if (!isMeter) {
    const wh = scaledWh(acc32(OFFSET.inverterWh), r[OFFSET.inverterWhSf]!, 'WH_SF');
    return wh.ok ? ok({ importWh: 0n, exportWh: wh.value, source: 'inverter' }) : wh;
  }
  const sf = r[OFFSET.meterTotWhSf]!;
  const exportWh = scaledWh(acc32(OFFSET.meterTotWhExp), sf, 'TotWh_SF');
  if (!exportWh.ok) return exportWh;
  const importWh = scaledWh(acc32(OFFSET.meterTotWhImp), sf, 'TotWh_SF');
  if (!importWh.ok) return importWh;
  return ok({ importWh: importWh.value, exportWh: exportWh.value, source: 'meter' });
}

/** value × 10^sf in whole Wh; a negative sf divides and rounds down (never more than was counted). */
export function scaledWh(value: bigint, sfRegister: number, name: string): Result<bigint, 'scale-factor'> {
  if (sfRegister === SF_NOT_IMPLEMENTED) return fail('scale-factor', `${name} is not implemented (0x8000)`);
  const sf = sfRegister >= 0x8000 ? sfRegister - 0x10000 : sfRegister;
  if (sf < -10 || sf > 10) return fail('scale-factor', `${name} ${sf} is outside -10..10`);
  return ok(sf >= 0 ? value * 10n ** BigInt(sf) : value / 10n ** BigInt(-sf));
}

/** SunSpec strings: two ASCII characters per register, high byte first, NUL padded. */
export function sunspecString(registers: number[]): string {
  let out = '';
  for (const word of registers) out += String.fromCharCode(word >>> 8, word & 0xff);
  return out.replace(/\0.*$/s, '').trim();
}

// Reads the import and export active energy of one Modbus RTU meter (by unit id) on a shared
// link, as whole Wh (meter-models.ts for the register maps, float-energy.ts for the rounding).
// Any failure — exception, CRC, timeout, silent bus, a register that is not a number — is a
// result with a reason; no registers come out of a bad frame.
import { fail, ok, type Result } from '@feedin/protocol/result';
import type { MeterRegisters } from '../real-meter/real-meter-device.js';
import { float32Bits, float32KWhToWh, type FloatEnergyReason } from './float-energy.js';
import { energyBlock, type ModbusMeterModel } from './meter-models.js';
import type { ModbusFailure, ModbusLink } from './modbus-link.js';

export type ModbusMeterFailure = ModbusFailure | FloatEnergyReason;

export async function readModbusMeter(link: ModbusLink, model: ModbusMeterModel, unit: number): Promise<Result<MeterRegisters, ModbusMeterFailure>> {
  const block = energyBlock(model);
  const answer = await link.read(unit, model.functionCode, block.address, block.count);
  if (!answer.ok) return answer;
  const at = (address: number) => float32Bits(answer.value[address - block.address]!, answer.value[address - block.address + 1]!);
  const importWh = float32KWhToWh(at(model.importAddress));
  if (!importWh.ok) return fail(importWh.reason, `unit ${unit} import register 0x${model.importAddress.toString(16)}: ${importWh.detail}`);
  const exportWh = float32KWhToWh(at(model.exportAddress));
  if (!exportWh.ok) return fail(exportWh.reason, `unit ${unit} export register 0x${model.exportAddress.toString(16)}: ${exportWh.detail}`);
  return ok({ importWh: importWh.value, exportWh: exportWh.value, vendor: model.vendor });
}

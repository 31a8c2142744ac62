// A SunSpec device (inverter or meter) over Modbus TCP as a feedin register source: discovers the
// model list once (again after the link was lost: the device may have restarted with another
// map), then reads the lifetime energy counters with their scale factor (sunspec-models.ts).
import { ok, type Result } from '@feedin/protocol/result';
import type { ModbusLink } from '../modbus/modbus-link.js';
import type { MeterRegisters } from '../real-meter/real-meter-device.js';
import { discoverSunSpec, readSunSpecEnergy, type ReadHolding, type SunSpecDevice } from './sunspec-models.js';

export interface SunSpecReader {
  read(): Promise<Result<MeterRegisters, string>>;
  device(): SunSpecDevice | undefined;
}

export function createSunSpecReader(link: ModbusLink, unit: number, log: (message: string) => void): SunSpecReader {
  let found: SunSpecDevice | undefined;
  const readHolding: ReadHolding = (address, count) => link.read(unit, 3, address, count);
  return {
    device: () => found,
    async read() {
      if (!found) {
        const discovered = await discoverSunSpec(readHolding);
        if (!discovered.ok) return discovered;
        found = discovered.value;
        const energy = found.energy;
        log(
          `SunSpec unit ${unit} on ${link.name}: ${found.manufacturer} ${found.model}${found.serialNumber ? ` (SN ${found.serialNumber})` : ''}, map at ${found.base}, models ${found.models.map((m) => m.id).join(', ')}; energy from model ${energy.id} at ${energy.address}` +
            (energy.id < 200 ? ' — an inverter: its AC lifetime production is signed as export, import as 0 (add a SunSpec meter 201-204 for grid import/export)' : ''),
        );
      }
      const energy = await readSunSpecEnergy(readHolding, found.energy);
      if (!energy.ok) {
        if (energy.reason === 'port' || energy.reason === 'read') found = undefined;
        return energy;
      }
      const mm = `${found.model}`.slice(0, 32) || 'SunSpec';
      return ok({ importWh: energy.value.importWh, exportWh: energy.value.exportWh, vendor: { MV: found.manufacturer.slice(0, 32), MM: mm } });
    },
  };
}


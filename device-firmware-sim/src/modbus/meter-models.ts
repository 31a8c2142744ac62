// Register maps of the Modbus RTU energy meters feedin reads: which function code, which
// registers hold the import and export active energy, in which word order and unit. Each entry
// cites the vendor document it was taken from. All three keep energy as a 32-bit IEEE 754 float
// in kWh over two registers, high word first ("big-endian", ABCD); float-energy.ts converts.
//
// - Eastron SDM120-Modbus: "SDM120 Modbus Protocol" (Eastron Electronic Co., SDM120-Modbus
//   protocol V2.x, input registers table): 30073 (0x0048) Import active energy kWh, 30075
//   (0x004A) Export active energy kWh; input registers, function code 04.
// - Eastron SDM630-Modbus V2: "SDM630 Modbus Protocol" (Eastron, SDM630 Modbus V2 protocol
//   V1.9, input registers table; the same addresses in SDM630MCT Modbus Protocol V1.7):
//   30073 (0x0048) Total import kWh, 30075 (0x004A) Total export kWh; function code 04.
// - CHINT DTSU666: "DTSU666 Three Phase Four Wire Electronic Energy Meter User Manual" (CHINT
//   Instrument & Meter), Modbus communication address table: 0x401E ImpEp (current positive
//   total active energy, kWh), 0x4028 ExpEp (current negative total active energy, kWh); float,
//   read with function code 03 (holding registers). "Positive" is energy drawn from the grid
//   when the meter is wired as the manual's grid-connection diagram shows (import); "negative"
//   is energy fed in (export).
//
// Both addresses of a model lie within one short block, so one request reads both registers: one
// frame per reading keeps the bus free for more meters (docs/meters.md: readings per second).

export type ModbusMeterModelName = 'sdm120' | 'sdm630' | 'dtsu666';

export interface ModbusMeterModel {
  name: ModbusMeterModelName;
  /** OCMF MV / MM */
  vendor: { MV: string; MM: string };
  /** 3 read holding registers, 4 read input registers */
  functionCode: 3 | 4;
  /** first register of the float32 import active energy, kWh (0-based protocol address) */
  importAddress: number;
  /** first register of the float32 export active energy, kWh */
  exportAddress: number;
  document: string;
}

export const MODBUS_METER_MODELS: Readonly<Record<ModbusMeterModelName, ModbusMeterModel>> = Object.freeze({
  sdm120: { name: 'sdm120', vendor: { MV: 'Eastron', MM: 'SDM120-Modbus' }, functionCode: 4, importAddress: 0x0048, exportAddress: 0x004a, document: 'Eastron SDM120 Modbus Protocol V2.x' },
  sdm630: { name: 'sdm630', vendor: { MV: 'Eastron', MM: 'SDM630-Modbus V2' }, functionCode: 4, importAddress: 0x0048, exportAddress: 0x004a, document: 'Eastron SDM630 Modbus Protocol V1.9' },
  dtsu666: { name: 'dtsu666', vendor: { MV: 'CHINT', MM: 'DTSU666' }, functionCode: 3, importAddress: 0x401e, exportAddress: 0x4028, document: 'CHINT DTSU666 User Manual, Modbus address table' },
});

export function isModbusMeterModel(name: string): name is ModbusMeterModelName {
  return Object.hasOwn(MODBUS_METER_MODELS, name);
}

/** The one block that covers both energy registers: [first address, register count]. */
export function energyBlock(model: ModbusMeterModel): { address: number; count: number } {
  const address = Math.min(model.importAddress, model.exportAddress);
  const end = Math.max(model.importAddress, model.exportAddress) + 2;
  return { address, count: end - address };
}

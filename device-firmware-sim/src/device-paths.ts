// Where a simulated device keeps its files: <dataDir>/devices/<meterId>/. The meter id becomes a
// path segment, so it is checked against the meter id pattern of docs/design.md §Meter id first (no
// `..`, no `/`).
import { join } from 'node:path';
import { isMeterId, METER_ID_RULE } from '@feedin/protocol/meter-id';

export function deviceDir(dataDir: string, meterId: string): string {
  // Only [A-Za-z0-9._-]; "." and ".." match that pattern too but are not ids a config accepts.
  if (!isMeterId(meterId) || meterId === '.' || meterId === '..')
    throw new TypeError(`meterId: ${METER_ID_RULE}, got ${JSON.stringify(meterId)}`);
  return join(dataDir, 'devices', meterId);
}

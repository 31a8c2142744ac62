// Where a simulated device keeps its files: <dataDir>/devices/<meterId>/. The meter id becomes a
// path segment, so it is checked against the DESIGN meter id pattern first (no `..`, no `/`).
import { join } from 'node:path';
import { METER_ID_PATTERN } from '@feedin/protocol/ocmf-build';

export function deviceDir(dataDir: string, meterId: string): string {
  // Only [A-Za-z0-9._-]; "." and ".." match that pattern too but are not ids a config accepts.
  if (!METER_ID_PATTERN.test(meterId) || meterId === '.' || meterId === '..')
    throw new TypeError(`meterId: 1-32 characters of [A-Za-z0-9._-], got ${JSON.stringify(meterId)}`);
  return join(dataDir, 'devices', meterId);
}

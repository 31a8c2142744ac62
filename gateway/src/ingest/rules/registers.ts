// Rule: cumulative registers never decrease (docs/design.md §Validation rules (gateway)).
import type { MeterReading } from '@feedin/protocol/ocmf-reading';
import { fail, ok, type Result } from '@feedin/protocol/result';
import type { LastAccepted } from '../validation-state.js';

export function checkRegisters(reading: MeterReading, last: LastAccepted | undefined): Result<true, 'register-decreased'> {
  if (!last) return ok(true);
  if (reading.importWh < last.importWh)
    return fail('register-decreased', `import register ${reading.importWh} Wh is below the previous ${last.importWh} Wh (F${last.pagination})`);
  if (reading.exportWh < last.exportWh)
    return fail('register-decreased', `export register ${reading.exportWh} Wh is below the previous ${last.exportWh} Wh (F${last.pagination})`);
  return ok(true);
}

// Energy register values from P1 text, converted to whole Wh exactly: the decimal string is split
// into integer and fraction digits and scaled with bigint arithmetic, never through a float
// (docs/design.md §Energy and money). DSMR 4.x/5.x write kWh with 3 decimals
// ("000004.426*kWh" = 4426 Wh); DSMR 2.2/3 write kWh with 3 decimals too, and some meters
// (Sagemcom T210-D, EasyMeter) write Wh or more decimals. A sub-Wh fraction is cut off (floor),
// as a meter display does; the register keeps counting, so nothing is lost over time.
import { fail, ok, type Result } from '@feedin/protocol/result';

const VALUE = /^(\d{1,15})(?:\.(\d{1,12}))?(?:\*([A-Za-z]+))?$/;
const DIGITS_PER_UNIT: Record<string, number> = { wh: 0, kwh: 3, mwh: 6 };

/** "000004.426*kWh" → 4426n. A value without unit is kWh (DSMR 2.2 meters may omit it). */
export function energyWh(raw: string): Result<bigint, 'malformed-value' | 'unsupported-unit'> {
  const m = VALUE.exec(raw.trim());
  if (!m) return fail('malformed-value', `not a decimal register value: ${JSON.stringify(raw)}`);
  const [, whole, fraction = '', unit = 'kWh'] = m;
  const digits = DIGITS_PER_UNIT[unit.toLowerCase()];
  if (digits === undefined) return fail('unsupported-unit', `energy in ${unit} (expected kWh, Wh or MWh)`);
  const scaled = (fraction + '0'.repeat(digits)).slice(0, digits);
  return ok(BigInt(whole + scaled));
}

// Energy registers that meters hold as IEEE 754 single-precision floats in kWh (Eastron SDM,
// CHINT DTSU666) → whole Wh. The float is decoded exactly (sign, exponent, 24-bit significand)
// and multiplied by 1000 in bigint, then rounded DOWN: a float32 carries only 24 bits, so
// "1.234 kWh" is really 1.23399996757… kWh, and rounding up or to nearest could sign energy the
// meter has not yet counted. Floor never claims more than was measured; the register keeps
// counting, so the fraction shows up in a later reading (docs/design.md §Energy and money).
// Pure.
import { fail, ok, type Result } from '@feedin/protocol/result';

export type FloatEnergyReason = 'not-a-number' | 'negative';

/** Two 16-bit registers, high word first (the Eastron and CHINT maps), as one float32's bits. */
export function float32Bits(highWord: number, lowWord: number): number {
  return ((highWord & 0xffff) * 0x10000 + (lowWord & 0xffff)) >>> 0;
}

/** float32 bits holding kWh → Wh, exact, rounded down. */
export function float32KWhToWh(bits: number): Result<bigint, FloatEnergyReason> {
  const sign = bits >>> 31;
  const exponent = (bits >>> 23) & 0xff;
  const fraction = bits & 0x7fffff;
  if (exponent === 0xff) return fail('not-a-number', `register holds ${fraction ? 'NaN' : 'infinity'} (0x${bits.toString(16).padStart(8, '0')})`);
  if (exponent === 0 && fraction === 0) return ok(0n); // +0 and -0
  if (sign) return fail('negative', `energy register is negative (0x${bits.toString(16).padStart(8, '0')}); an energy counter never is`);
  // value = significand × 2^power (IEEE 754: bias 127, 23 fraction bits; subnormals have no hidden 1)
  const significand = BigInt(exponent === 0 ? fraction : fraction | 0x800000);
  const power = (exponent === 0 ? 1 : exponent) - 150;
  const milli = significand * 1000n;
  return ok(power >= 0 ? milli << BigInt(power) : milli >> BigInt(-power));
}

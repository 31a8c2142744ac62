// Claim amounts in integer token base units. Price is per kWh, energy in Wh, so the exact value
// is exportWh × pricePerKWh / 1000 base units. The remainder is carried per meter in
// milli-base-units (0 ≤ carry < 1000) and added to the meter's next claim, so rounding never
// loses value: over any run of claims, Σ amount = floor((Σ exportWh × price + carry₀) / 1000).
import { FeedinError } from './errors.js';

export function claimAmount({ exportWh, pricePerKWh, carryIn }: { exportWh: bigint; pricePerKWh: bigint; carryIn: bigint }): { amount: bigint; carryOut: bigint } {
  if (exportWh < 0n || pricePerKWh < 0n) throw new FeedinError('exportWh, pricePerKWh: non-negative');
  if (carryIn < 0n || carryIn >= 1000n) throw new FeedinError(`carryIn: 0 ≤ carry < 1000 milli-base-units, got ${carryIn}`);
  const milli = exportWh * pricePerKWh + carryIn;
  return { amount: milli / 1000n, carryOut: milli % 1000n };
}

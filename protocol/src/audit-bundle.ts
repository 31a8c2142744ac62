// The audit bundle: everything needed to check one paid claim without trusting the gateway,
// and the pure checks that the CLI (`feedin audit verify`) and the browser both run. What only
// the chain can tell (the meter key in the registry, the root stored for the batch) is passed
// in by the caller, who reads it from the chain itself.
import { claimAmount } from './amount.js';
import { payloadDigest } from './digest.js';
import type { Hex } from './hex.js';
import { CLAIM_LEAF_TYPES, claimLeafHash, claimLeafValues, verifyMerkleProof, type ClaimLeaf } from './merkle.js';
import { parseOcmf } from './ocmf-parse.js';
import { readingFromRecord, type MeterReading } from './ocmf-reading.js';
import { verifyOcmf } from './ocmf-verify.js';
import { decodePublicKey, type Curve, type PublicKey } from './public-key.js';

export interface AuditBundle {
  version: 1;
  chain: { chainId: number; rpcUrl: string; registry: Hex; settlement: Hex; token: Hex };
  batch: { batchId: string; intervalStartSec: string; intervalEndSec: string; claimsRoot: Hex; payoutsRoot: Hex; txHash: Hex | null; blockNumber: number | null };
  claim: {
    meterId: string;
    intervalStartSec: string;
    intervalEndSec: string;
    exportWh: string;
    amount: string;
    payee: Hex;
    openingDigest: Hex;
    closingDigest: Hex;
    pricing: { pricePerKWh: string; carryIn: string; carryOut: string; paidWh: string; flags: string[] };
  };
  leaf: { types: string[]; values: string[]; hash: Hex };
  proof: Hex[];
  /** the two OCMF strings that bracket the interval, byte-exact */
  readings: { opening: string; closing: string };
  /** the key as the gateway knew it; an auditor prefers the one read from the chain */
  meter: { publicKey: string; curve: Curve };
}

export interface AuditCheck {
  name: string;
  ok: boolean;
  detail: string;
}

const int = (s: unknown): bigint | undefined => (typeof s === 'string' && /^\d{1,78}$/.test(s) ? BigInt(s) : undefined);

function shapeOf(b: unknown): string | undefined {
  const x = b as AuditBundle;
  if (!x || typeof x !== 'object') return 'not an object';
  if (x.version !== 1) return 'version is not 1';
  if (!x.claim || !x.batch || !x.readings || !x.leaf || !Array.isArray(x.proof)) return 'claim, batch, readings, leaf or proof missing';
  const c = x.claim;
  for (const k of ['intervalStartSec', 'intervalEndSec', 'exportWh', 'amount'] as const) if (int(c[k]) === undefined) return `claim.${k} is not an integer string`;
  if (!c.pricing || [c.pricing.pricePerKWh, c.pricing.carryIn, c.pricing.carryOut, c.pricing.paidWh].some((v) => int(v) === undefined)) return 'claim.pricing is incomplete';
  if (typeof x.readings.opening !== 'string' || typeof x.readings.closing !== 'string') return 'readings are not strings';
  if (!x.proof.every((p) => typeof p === 'string')) return 'proof elements are not hex strings';
  return undefined;
}

export function checkAuditBundle(bundle: unknown, opts: { publicKey?: PublicKey; claimsRootOnChain?: Hex } = {}): { ok: boolean; checks: AuditCheck[] } {
  const checks: AuditCheck[] = [];
  const add = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  const shapeProblem = shapeOf(bundle);
  add('bundle-shape', !shapeProblem, shapeProblem ?? 'all fields present');
  if (shapeProblem) return { ok: false, checks };
  const b = bundle as AuditBundle;
  const c = b.claim;

  let key = opts.publicKey;
  if (!key) {
    const decoded = decodePublicKey(b.meter?.publicKey ?? '', b.meter?.curve);
    if (decoded.ok) key = decoded.value;
    add('meter-key', false, opts.publicKey ? '' : 'key taken from the bundle, not from the chain registry');
  }

  const readings: Partial<Record<'opening' | 'closing', MeterReading>> = {};
  for (const which of ['opening', 'closing'] as const) {
    const text = b.readings[which];
    const record = parseOcmf(text);
    if (!record.ok) {
      add(`${which}-signature`, false, `${record.reason}: ${record.detail}`);
      add(`${which}-digest`, false, 'reading not parseable');
      continue;
    }
    const verdict = key ? verifyOcmf(record.value, key) : { ok: false as const, reason: 'no-key', detail: 'no meter key' };
    add(`${which}-signature`, verdict.ok, verdict.ok ? `signed by the meter key (${record.value.signature.algorithm})` : `${verdict.reason}: ${verdict.detail}`);
    const digest = payloadDigest(record.value.payloadText);
    const expected = which === 'opening' ? c.openingDigest : c.closingDigest;
    add(`${which}-digest`, digest === expected?.toLowerCase(), digest === expected?.toLowerCase() ? digest : `payload digest ${digest} ≠ claim ${expected}`);
    const reading = readingFromRecord(record.value);
    if (reading.ok) readings[which] = reading.value;
    else add(`${which}-reading`, false, `${reading.reason}: ${reading.detail}`);
  }

  const { opening, closing } = readings;
  const startMs = Number(int(c.intervalStartSec)!) * 1000;
  const endMs = Number(int(c.intervalEndSec)!) * 1000;
  if (opening && closing) {
    const sameMeter = opening.meterId === c.meterId && closing.meterId === c.meterId;
    add('meter-id', sameMeter, sameMeter ? `both readings are from ${c.meterId}` : `readings are from ${opening.meterId} and ${closing.meterId}, claim is for ${c.meterId}`);
    const bracketed = opening.timestampMs <= startMs && closing.timestampMs <= endMs && closing.timestampMs > opening.timestampMs && closing.pagination > opening.pagination;
    add('bracketing', bracketed, bracketed ? `opening PG F${opening.pagination} ≤ interval start, closing PG F${closing.pagination} ≤ interval end` : 'the readings do not bracket the interval in order');
    const measured = closing.exportWh - opening.exportWh;
    add('export-arithmetic', measured === int(c.exportWh), `closing ${closing.exportWh} − opening ${opening.exportWh} = ${measured} Wh; claim says ${c.exportWh}`);
  } else add('export-arithmetic', false, 'readings not usable');

  const paidWh = int(c.pricing.paidWh)!;
  const paidOk = paidWh <= int(c.exportWh)! && (paidWh === int(c.exportWh) || c.pricing.flags.length > 0);
  add('paid-energy', paidOk, paidOk ? `${paidWh} Wh paid of ${c.exportWh} Wh${c.pricing.flags.length ? ` (caps: ${c.pricing.flags.join(', ')})` : ''}` : 'paid energy exceeds the export, or is cut without a cap flag');
  const carryIn = int(c.pricing.carryIn)!;
  if (carryIn < 1000n) {
    const expected = claimAmount({ exportWh: paidWh, pricePerKWh: int(c.pricing.pricePerKWh)!, carryIn });
    const capped = c.pricing.flags.some((f) => f !== 'interval-export-cap');
    const amountOk = capped ? int(c.amount)! <= expected.amount : expected.amount === int(c.amount) && expected.carryOut === int(c.pricing.carryOut);
    add('amount-arithmetic', amountOk, `${paidWh} Wh × ${c.pricing.pricePerKWh}/kWh + carry ${carryIn}‰ = ${expected.amount} (carry ${expected.carryOut}‰); claim pays ${c.amount}`);
  } else add('amount-arithmetic', false, `carryIn ${carryIn} is not below 1000`);

  let leafHash: Hex | undefined;
  try {
    const leaf: ClaimLeaf = {
      meterId: c.meterId,
      intervalStartSec: int(c.intervalStartSec)!,
      intervalEndSec: int(c.intervalEndSec)!,
      exportWh: int(c.exportWh)!,
      amount: int(c.amount)!,
      payee: c.payee,
      openingDigest: c.openingDigest,
      closingDigest: c.closingDigest,
    };
    leafHash = claimLeafHash(leaf);
    const valuesMatch = JSON.stringify(claimLeafValues(leaf)) === JSON.stringify(b.leaf.values) && JSON.stringify(b.leaf.types) === JSON.stringify(CLAIM_LEAF_TYPES);
    const intervalMatch = c.intervalStartSec === b.batch.intervalStartSec && c.intervalEndSec === b.batch.intervalEndSec;
    add('leaf-encoding', leafHash === b.leaf.hash?.toLowerCase() && valuesMatch && intervalMatch, `leaf ${leafHash}`);
  } catch (error) {
    add('leaf-encoding', false, (error as Error).message);
  }
  const proofOk = leafHash !== undefined && verifyMerkleProof(b.batch.claimsRoot, leafHash, b.proof);
  add('merkle-proof', proofOk, proofOk ? `proof of ${b.proof.length} hashes leads to ${b.batch.claimsRoot}` : `the proof does not lead from the leaf to ${b.batch.claimsRoot}`);
  if (opts.claimsRootOnChain) {
    const same = opts.claimsRootOnChain.toLowerCase() === b.batch.claimsRoot.toLowerCase();
    add('root-on-chain', same, same ? `settlement contract stores ${opts.claimsRootOnChain} for batch ${b.batch.batchId}` : `chain stores ${opts.claimsRootOnChain}, bundle claims ${b.batch.claimsRoot}`);
  } else add('root-on-chain', false, 'not checked: no root read from the chain');

  return { ok: checks.every((x) => x.ok), checks };
}

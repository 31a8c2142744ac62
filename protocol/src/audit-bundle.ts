// The audit bundle: everything needed to check one paid claim without trusting the gateway,
// and the pure checks that the CLI (`feedin audit verify`) and the browser both run. What only
// the chain can tell (the meter key in the registry, the root stored for the batch) is passed
// in by the caller, who reads it from the chain itself. Each reading is checked with the key valid
// at its TM (the key-history rule, ./key-history.ts), so claims from before a rotation still pass
// and a reading signed by a key revoked at its time fails `key-valid-at-tm`.
import { claimAmount } from './amount.js';
import { auditBundleShapeProblem } from './audit-bundle-shape.js';
import { payloadDigest } from './digest.js';
import type { Hex } from './hex.js';
import { CLAIM_LEAF_TYPES, claimLeafHash, claimLeafValues, verifyMerkleProof, type ClaimLeaf } from './merkle.js';
import { parseOcmf } from './ocmf-parse.js';
import { readingFromRecord, type MeterReading } from './ocmf-reading.js';
import { verifyOcmf } from './ocmf-verify.js';
import { keyAt, singleKeyHistory, type KeyPeriod } from './key-history.js';
import { decodePublicKey, type Curve, type PublicKey } from './public-key.js';

export interface AuditBundle {
  version: 1;
  chain: { chainId: number; rpcUrl: string; registry: Hex; settlement: Hex; token: Hex };
  /** `shard`: the settlement shard the batch belongs to (docs/design.md §Shards); absent in
   * bundles from before shards, which are shard 0 */
  batch: { shard?: number; batchId: string; intervalStartSec: string; intervalEndSec: string; claimsRoot: Hex; payoutsRoot: Hex; txHash: Hex | null; blockNumber: number | null };
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

/** Every check, always reported in this order (a check that could not run is reported failed). */
export const AUDIT_CHECKS = [
  'bundle-shape',
  'meter-key',
  'key-valid-at-tm',
  'opening-signature',
  'closing-signature',
  'opening-digest',
  'closing-digest',
  'meter-id',
  'bracketing',
  'export-arithmetic',
  'paid-energy',
  'amount-arithmetic',
  'leaf-encoding',
  'merkle-proof',
  'root-on-chain',
] as const;
export type AuditCheckName = (typeof AUDIT_CHECKS)[number];

/** The gateway's cap flags (docs/design.md §Sandbox caps): the interval export cap cuts the paid
 * energy; every other flag (household-daily-cap, batch-cap, budget, no-tariff) may only lower the
 * amount. */
const ENERGY_CAP_FLAG = 'interval-export-cap';

type Add = (name: AuditCheckName, ok: boolean, detail: string) => void;

export interface CheckAuditBundleOptions {
  /** the meter's key history read from the chain registry (MeterRegistry.meterKeys), oldest first */
  keyHistory?: readonly KeyPeriod[];
  /** a single registry key valid forever (a registry without history); ignored when keyHistory is given */
  publicKey?: PublicKey;
  claimsRootOnChain?: Hex;
}

/**
 * Checks one claim of a batch down to the meter's signed bytes. `keyHistory` should be the meter's
 * keys read from the chain registry and `claimsRootOnChain` the root the settlement contract stores
 * for the batch; without them 'meter-key' and 'root-on-chain' fail as "not checked", so `ok` is only
 * true for a fully independent audit. Never throws: bad input gives failed checks.
 */
export function checkAuditBundle(bundle: unknown, opts: CheckAuditBundleOptions = {}): { ok: boolean; checks: AuditCheck[] } {
  const results = new Map<AuditCheckName, AuditCheck>();
  const add: Add = (name, ok, detail) => void results.set(name, { name, ok, detail });
  try {
    const shapeProblem = auditBundleShapeProblem(bundle);
    add('bundle-shape', !shapeProblem, shapeProblem ?? 'every field present and well-formed');
    if (!shapeProblem) runChecks(bundle as AuditBundle, opts, add);
  } catch (error) {
    // Defence in depth: the shape check should make this unreachable.
    add('bundle-shape', false, `the bundle could not be checked: ${(error as Error).message}`);
  }
  const checks = AUDIT_CHECKS.map((name) => results.get(name) ?? { name, ok: false, detail: results.get('bundle-shape')?.ok ? 'not checked' : 'not checked: the bundle is malformed' });
  return { ok: checks.every((c) => c.ok), checks };
}

function runChecks(b: AuditBundle, opts: CheckAuditBundleOptions, add: Add): void {
  const c = b.claim;
  const keys = meterKeys(b, opts, add);

  const readings: Partial<Record<'opening' | 'closing', MeterReading>> = {};
  const problems: string[] = [];
  const keyProblems: string[] = [];
  const keyNotes: string[] = [];
  for (const which of ['opening', 'closing'] as const) {
    const record = parseOcmf(b.readings[which]);
    if (!record.ok) {
      add(`${which}-signature`, false, `${record.reason}: ${record.detail}`);
      add(`${which}-digest`, false, `the ${which} reading is not an OCMF record`);
      problems.push(`${which} reading: ${record.reason}`);
      keyProblems.push(`${which}: not an OCMF record`);
      continue;
    }
    const reading = readingFromRecord(record.value);
    // The key valid at the reading's TM signs it; a revoked one still verifies the bytes, but
    // fails key-valid-at-tm (docs/design.md §Key history: no payment from a revoked key's
    // readings).
    const at = keys && reading.ok ? keyAt(keys, reading.value.timestampMs) : undefined;
    const key = at && (at.ok || at.reason === 'key-revoked') ? at.key.publicKey : undefined;
    if (!keys) keyProblems.push(`${which}: no key history`);
    else if (!reading.ok) keyProblems.push(`${which}: no reading time (${reading.reason})`);
    else if (at && !at.ok) keyProblems.push(`${which} PG ${reading.value.pagination}: ${at.reason}: ${at.detail}`);
    else if (at?.ok) keyNotes.push(`${which} PG ${reading.value.pagination} at ${iso(reading.value.timestampMs)}: key valid from ${iso(at.key.validFromMs)}`);
    const verdict = key ? verifyOcmf(record.value, key) : undefined;
    add(`${which}-signature`, verdict?.ok === true, !verdict ? 'no usable meter key' : verdict.ok ? `signed by the meter key (${record.value.signature.algorithm})` : `${verdict.reason}: ${verdict.detail}`);
    // docs/design.md §Claims: claim digests are SHA-256 of the payload bytes exactly as the meter
    // signed them.
    const digest = payloadDigest(record.value.payloadText);
    const expected = (which === 'opening' ? c.openingDigest : c.closingDigest).toLowerCase();
    add(`${which}-digest`, digest === expected, digest === expected ? digest : `payload digest ${digest} ≠ claim ${expected}`);
    if (reading.ok) readings[which] = reading.value;
    else problems.push(`${which} reading: ${reading.reason}: ${reading.detail}`);
  }

  add('key-valid-at-tm', keyProblems.length === 0, keyProblems.length === 0 ? `${keyNotes.join('; ')}; not revoked` : keyProblems.join('; '));

  const { opening, closing } = readings;
  const startMs = Number(c.intervalStartSec) * 1000;
  const endMs = Number(c.intervalEndSec) * 1000;
  if (opening && closing) {
    const sameMeter = opening.meterId === c.meterId && closing.meterId === c.meterId;
    add('meter-id', sameMeter, sameMeter ? `both readings are from ${c.meterId}` : `readings are from ${opening.meterId} and ${closing.meterId}, the claim is for ${c.meterId}`);
    // docs/design.md §Claims, the boundary rule: the value at boundary b is the last reading with
    // TM ≤ b.
    const bracketed = opening.timestampMs <= startMs && closing.timestampMs <= endMs && closing.timestampMs > opening.timestampMs && closing.pagination > opening.pagination;
    add(
      'bracketing',
      bracketed,
      `opening PG ${opening.pagination} at ${iso(opening.timestampMs)} ≤ start ${iso(startMs)}; closing PG ${closing.pagination} at ${iso(closing.timestampMs)} ≤ end ${iso(endMs)}${bracketed ? '' : ': the readings do not bracket the interval in order'}`,
    );
    const measured = closing.exportWh - opening.exportWh;
    add('export-arithmetic', measured === BigInt(c.exportWh), `closing ${closing.exportWh} − opening ${opening.exportWh} = ${measured} Wh; the claim says ${c.exportWh} Wh`);
  } else for (const name of ['meter-id', 'bracketing', 'export-arithmetic'] as const) add(name, false, problems.join('; '));

  checkPricing(b, add);
  checkLeafAndProof(b, opts.claimsRootOnChain, add);
}

function meterKeys(b: AuditBundle, opts: CheckAuditBundleOptions, add: Add): readonly KeyPeriod[] | undefined {
  if (opts.keyHistory && opts.keyHistory.length > 0) {
    add('meter-key', true, `key history from the chain registry (${opts.keyHistory.length} key${opts.keyHistory.length === 1 ? '' : 's'})`);
    return opts.keyHistory;
  }
  if (opts.publicKey) {
    add('meter-key', true, `key from the chain registry (${opts.publicKey.curve})`);
    return singleKeyHistory(opts.publicKey);
  }
  const decoded = decodePublicKey(b.meter.publicKey, b.meter.curve);
  add('meter-key', false, `not checked: no key from the chain registry; the bundle's own key ${decoded.ok ? 'is used for the signature checks' : `is unusable (${decoded.detail})`}`);
  return decoded.ok ? singleKeyHistory(decoded.value) : undefined;
}

function checkPricing(b: AuditBundle, add: Add): void {
  const c = b.claim;
  const p = c.pricing;
  const [exportWh, paidWh, price, carryIn, carryOut, amount] = [c.exportWh, p.paidWh, p.pricePerKWh, p.carryIn, p.carryOut, c.amount].map(BigInt) as [bigint, bigint, bigint, bigint, bigint, bigint];
  const energyCapped = p.flags.includes(ENERGY_CAP_FLAG);
  const paidOk = paidWh === exportWh || (energyCapped && paidWh < exportWh);
  add('paid-energy', paidOk, `${paidWh} Wh paid of ${exportWh} Wh exported${p.flags.length ? ` (flags: ${p.flags.join(', ')})` : ''}${paidOk ? '' : `: only the ${ENERGY_CAP_FLAG} flag may lower the paid energy`}`);
  if (carryIn >= 1000n) {
    add('amount-arithmetic', false, `carryIn ${carryIn} is not below 1000 milli-units`);
    return;
  }
  const expected = claimAmount({ exportWh: paidWh, pricePerKWh: price, carryIn });
  const amountCapped = p.flags.some((f) => f !== ENERGY_CAP_FLAG);
  const amountOk = (amountCapped ? amount <= expected.amount : amount === expected.amount) && carryOut === expected.carryOut;
  add(
    'amount-arithmetic',
    amountOk,
    `floor((${paidWh} Wh × ${price} per kWh + carry ${carryIn}) / 1000) = ${expected.amount}, carry ${expected.carryOut}; the claim pays ${amount}, carry ${carryOut}${amountCapped ? ' (capped: may pay less)' : ''}`,
  );
}

function checkLeafAndProof(b: AuditBundle, claimsRootOnChain: Hex | undefined, add: Add): void {
  const c = b.claim;
  let leafHash: Hex | undefined;
  try {
    const leaf: ClaimLeaf = {
      meterId: c.meterId,
      intervalStartSec: BigInt(c.intervalStartSec),
      intervalEndSec: BigInt(c.intervalEndSec),
      exportWh: BigInt(c.exportWh),
      amount: BigInt(c.amount),
      payee: c.payee,
      openingDigest: c.openingDigest,
      closingDigest: c.closingDigest,
    };
    leafHash = claimLeafHash(leaf);
    const problems = [
      JSON.stringify(b.leaf.types) !== JSON.stringify(CLAIM_LEAF_TYPES) && 'leaf.types are not the claim leaf types',
      JSON.stringify(b.leaf.values) !== JSON.stringify(claimLeafValues(leaf)) && 'leaf.values do not encode the claim',
      b.leaf.hash.toLowerCase() !== leafHash && `leaf.hash ${b.leaf.hash} is not the claim's leaf hash`,
      (c.intervalStartSec !== b.batch.intervalStartSec || c.intervalEndSec !== b.batch.intervalEndSec) && "the claim's interval is not the batch's",
    ].filter(Boolean);
    add('leaf-encoding', problems.length === 0, problems.length === 0 ? `leaf ${leafHash}` : problems.join('; '));
  } catch (error) {
    // the leaf encoder throws on values that do not fit their ABI type (e.g. uint64 overflow)
    add('leaf-encoding', false, (error as Error).message);
  }
  const proofOk = leafHash !== undefined && verifyMerkleProof(b.batch.claimsRoot, leafHash, b.proof);
  add('merkle-proof', proofOk, proofOk ? `a proof of ${b.proof.length} hashes leads to ${b.batch.claimsRoot}` : `the proof does not lead from the claim's leaf to ${b.batch.claimsRoot}`);
  if (claimsRootOnChain) {
    const same = claimsRootOnChain.toLowerCase() === b.batch.claimsRoot.toLowerCase();
    add('root-on-chain', same, same ? `the settlement contract stores ${claimsRootOnChain} for batch ${b.batch.batchId}` : `the chain stores ${claimsRootOnChain}, the bundle claims ${b.batch.claimsRoot}`);
  } else add('root-on-chain', false, 'not checked: no root read from the chain');
}

const iso = (ms: number) => (Number.isFinite(ms) && Math.abs(ms) < 8.64e15 ? new Date(ms).toISOString() : String(ms));

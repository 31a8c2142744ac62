// Read side of settlement for the HTTP API and the dashboard: batches, claims, audit bundles and
// payouts, as JSON-ready views (bigints as decimal strings). Proofs come from trees rebuilt from
// the stored leaf hashes and are checked against the stored roots before they are handed out.
import type { Keccak256Implementation } from '@feedin/protocol/keccak';
import { checksumAddress } from '@feedin/protocol/address';
import type { AuditBundle } from '@feedin/protocol/audit-bundle';
import { bytesToHex, type Hex } from '@feedin/protocol/hex';
import { CLAIM_LEAF_TYPES, buildMerkleTree, claimLeafValues, payoutLeafHash, type ClaimLeaf } from '@feedin/protocol/merkle';
import { keyAt } from '@feedin/protocol/key-history';
import { meterKeyHistory, type MeterDirectory } from '../registry/meter-directory.js';
import type { ReadingStore } from '../store/reading-store.js';
import type { ChainInfo } from './ports.js';
import type { BatchListQuery, ClaimQuery, LocalBatch, LocalBatchStatus, SettlementStore, StoredClaim } from './settlement-store.js';

// The read model: these views are what the HTTP API serves, unchanged (docs/dashboard.md).

export interface BatchView {
  batchId: string;
  intervalStartMs: number;
  intervalEndMs: number;
  /** the reading-store sequence the batch was built under (audits rebuild with it) */
  watermark: number;
  claimsRoot: Hex;
  payoutsRoot: Hex;
  claimCount: number;
  totalExportWh: string;
  totalAmount: string;
  /** the gateway's local view: built → submitted → pending → final (or frozen → approved/rejected) */
  status: LocalBatchStatus;
  builtAtMs: number;
  txHash: Hex | null;
  blockNumber: number | null;
  gasUsed: string | null;
}

/** One of the two signed readings that bracket a claim's interval. */
export interface ClaimReadingView {
  pagination: number;
  timestampMs: number;
  exportWh: string;
  /** SHA-256 of the signed payload bytes */
  payloadDigest: Hex;
}

export interface ClaimView {
  batchId: string;
  meterId: string;
  householdId: string;
  payee: Hex;
  intervalStartMs: number;
  intervalEndMs: number;
  /** the status of the claim's batch (pending until its challenge window passed, then final) */
  batchStatus: LocalBatchStatus;
  /** measured export in the interval */
  exportWh: string;
  /** export paid after caps (≤ exportWh) */
  paidWh: string;
  amount: string;
  pricePerKWh: string;
  /** rounding remainder carried into and out of this claim (docs/design.md §Claims) */
  carryIn: string;
  carryOut: string;
  /** caps that cut this claim, e.g. "interval-export-cap" */
  flags: string[];
  leafHash: Hex;
  opening: ClaimReadingView;
  closing: ClaimReadingView;
}

export type BatchDetailView = BatchView & { claims: ClaimView[] };

export interface PayoutView {
  payee: Hex;
  /** the shard whose batches this gateway's store holds (config gateway.shard): the view is of it */
  shard: number;
  /** cumulative through the latest FINAL batch: what a withdrawal can claim now */
  cumulativeAmount: string;
  withdrawn: string;
  withdrawable: string;
  /** the latest final batch, whose payouts root the proof leads to; null before the first */
  batchId: string | null;
  payoutsRoot: Hex | null;
  proof: Hex[];
  /** cumulative through the newest built batch (final or not) */
  latestCumulativeAmount: string;
}

export interface SettlementQueries {
  listBatches(query?: BatchListQuery): BatchView[];
  getBatch(batchId: bigint): BatchDetailView | undefined;
  claimsOf(meterId: string, query?: ClaimQuery): ClaimView[];
  claimsOfPayee(payee: Hex, query?: ClaimQuery): ClaimView[];
  buildAuditBundle(batchId: bigint, meterId: string, chainInfo: ChainInfo): Promise<AuditBundle | undefined>;
  /** `chain.withdrawn` is asked for this store's shard (a client takes it; a shard-bound port ignores it) */
  payoutOf(payee: Hex, chain: { withdrawn(payee: Hex, shard?: number): Promise<bigint> }): Promise<PayoutView>;
}

/** `shard`: the shard the store's batches belong to (config gateway.shard); default 0.
 * `keccak`: the composition root's implementation for proof trees (portable when absent). */
export function createSettlementQueries(deps: { settlementStore: SettlementStore; store: ReadingStore; directory: MeterDirectory; shard?: number; keccak?: Keccak256Implementation | undefined }): SettlementQueries {
  const { settlementStore: local } = deps;
  const shard = deps.shard ?? 0;
  return {
    listBatches: (query) => local.listBatches(query).map(batchView),
    getBatch(batchId) {
      const batch = local.batch(batchId);
      return batch && { ...batchView(batch), claims: local.claims(batch.rowId).map(claimView) };
    },
    claimsOf: (meterId, query) => local.claimsOfMeter(meterId, query).map(claimView),
    claimsOfPayee: (payee, query) => local.claimsOfPayee(checksumAddress(payee), query).map(claimView),

    async buildAuditBundle(batchId, meterId, chainInfo) {
      const batch = local.batch(batchId);
      const claim = batch && local.claim(batch.rowId, meterId);
      if (!batch || !claim) return undefined;
      const tree = buildMerkleTree(local.claims(batch.rowId).map((c) => c.leafHash), deps.keccak);
      if (tree.root !== batch.claimsRoot.toLowerCase())
        throw new Error(`settlement store: the claims of batch ${batchId} hash to ${tree.root}, not to the stored root ${batch.claimsRoot}`);
      const [opening, closing] = await Promise.all([
        deps.store.byPagination(meterId, claim.opening.pagination),
        deps.store.byPagination(meterId, claim.closing.pagination),
      ]);
      if (!opening || !closing) throw new Error(`reading store: the readings F${claim.opening.pagination}/F${claim.closing.pagination} of ${meterId} behind batch ${batchId} are missing`);
      const meter = deps.directory.get(meterId);
      const leaf = leafOf(claim);
      const c = claimView(claim);
      const pricing = { pricePerKWh: c.pricePerKWh, carryIn: c.carryIn, carryOut: c.carryOut, paidWh: c.paidWh, flags: c.flags };
      return {
        version: 1,
        chain: { ...chainInfo },
        batch: {
          shard,
          batchId: batch.batchId.toString(),
          intervalStartSec: String(batch.intervalStartMs / 1000),
          intervalEndSec: String(batch.intervalEndMs / 1000),
          claimsRoot: batch.claimsRoot,
          payoutsRoot: batch.payoutsRoot,
          txHash: batch.txHash,
          blockNumber: batch.blockNumber,
        },
        claim: {
          meterId,
          intervalStartSec: String(leaf.intervalStartSec),
          intervalEndSec: String(leaf.intervalEndSec),
          exportWh: c.exportWh,
          amount: c.amount,
          payee: claim.payee,
          openingDigest: leaf.openingDigest,
          closingDigest: leaf.closingDigest,
          pricing,
        },
        leaf: { types: [...CLAIM_LEAF_TYPES], values: claimLeafValues(leaf), hash: claim.leafHash },
        proof: tree.proof(claim.leafHash),
        readings: { opening: opening.ocmf, closing: closing.ocmf },
        meter: bundleKey(meter && keyAt(meterKeyHistory(meter), closing.timestampMs)),
      };
    },

    async payoutOf(payee, chain) {
      const who = checksumAddress(payee);
      const final = local.newestWithStatus(['final']);
      // Withdrawn from this shard only: payouts are cumulative per shard (issue #13).
      const withdrawn = await chain.withdrawn(who, shard);
      const latestCumulative = local.payeeCumulative().get(who) ?? 0n;
      if (!final)
        return { payee: who, shard, cumulativeAmount: '0', withdrawn: withdrawn.toString(), withdrawable: '0', batchId: null, payoutsRoot: null, proof: [], latestCumulativeAmount: latestCumulative.toString() };
      const cumulative = local.payeeCumulative(final.batchId);
      const amount = cumulative.get(who) ?? 0n;
      const hashes = [...cumulative].filter(([, v]) => v > 0n).map(([p, v]) => payoutLeafHash({ payee: p, cumulativeAmount: v }));
      const tree = buildMerkleTree(hashes, deps.keccak);
      if (tree.root !== final.payoutsRoot.toLowerCase())
        throw new Error(`settlement store: the payouts after batch ${final.batchId} hash to ${tree.root}, not to the stored root ${final.payoutsRoot}`);
      return {
        payee: who,
        shard,
        cumulativeAmount: amount.toString(),
        withdrawn: withdrawn.toString(),
        withdrawable: (amount > withdrawn ? amount - withdrawn : 0n).toString(),
        batchId: final.batchId.toString(),
        payoutsRoot: final.payoutsRoot,
        proof: amount > 0n ? tree.proof(payoutLeafHash({ payee: who, cumulativeAmount: amount })) : [],
        latestCumulativeAmount: latestCumulative.toString(),
      };
    },
  };
}

function leafOf(c: StoredClaim): ClaimLeaf {
  return {
    meterId: c.meterId,
    intervalStartSec: BigInt(c.intervalStartMs / 1000),
    intervalEndSec: BigInt(c.intervalEndMs / 1000),
    exportWh: c.exportWh,
    amount: c.amount,
    payee: c.payee,
    openingDigest: c.opening.payloadDigest,
    closingDigest: c.closing.payloadDigest,
  };
}

export function batchView(b: LocalBatch): BatchView {
  return {
    batchId: b.batchId.toString(),
    intervalStartMs: b.intervalStartMs,
    intervalEndMs: b.intervalEndMs,
    watermark: b.watermark,
    claimsRoot: b.claimsRoot,
    payoutsRoot: b.payoutsRoot,
    claimCount: b.claimCount,
    totalExportWh: b.totalExportWh.toString(),
    totalAmount: b.totalAmount.toString(),
    status: b.status,
    builtAtMs: b.builtAtMs,
    txHash: b.txHash,
    blockNumber: b.blockNumber,
    gasUsed: b.gasUsed === null ? null : b.gasUsed.toString(),
  };
}

export function claimView(c: StoredClaim): ClaimView {
  const side = (r: StoredClaim['opening']): ClaimReadingView => ({ pagination: r.pagination, timestampMs: r.timestampMs, exportWh: r.exportWh.toString(), payloadDigest: r.payloadDigest });
  return {
    batchId: c.batchId.toString(),
    meterId: c.meterId,
    householdId: c.householdId,
    payee: c.payee,
    intervalStartMs: c.intervalStartMs,
    intervalEndMs: c.intervalEndMs,
    batchStatus: c.batchStatus,
    exportWh: c.exportWh.toString(),
    paidWh: c.pricing.paidWh.toString(),
    amount: c.amount.toString(),
    pricePerKWh: c.pricing.pricePerKWh.toString(),
    carryIn: c.pricing.carryIn.toString(),
    carryOut: c.pricing.carryOut.toString(),
    flags: [...c.pricing.flags],
    leafHash: c.leafHash,
    opening: side(c.opening),
    closing: side(c.closing),
  };
}

/** The bundle's own key (a hint; audits read the history from the chain): the one valid at the
 * closing reading's TM, revoked or not (the key-history rule, @feedin/protocol/key-history). */
function bundleKey(at: ReturnType<typeof keyAt> | undefined): AuditBundle['meter'] {
  const key = at && (at.ok || at.reason === 'key-revoked') ? at.key.publicKey : undefined;
  return { publicKey: key ? bytesToHex(key.point) : '', curve: key?.curve ?? 'secp256k1' };
}

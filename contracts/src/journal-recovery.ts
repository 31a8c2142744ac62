// After a crash of the embedded chain (#17): compares the transaction journal with the chain and
// sends again, byte for byte, what the chain lost. Which re-sends are safe, and why:
// - a journaled transaction the node had accepted (broadcast, or mined) and the chain no longer
//   has is sent again as the same signed bytes, in journal order. Same bytes = same hash, same
//   sender and nonce: it cannot apply twice (a second copy is "nonce too low"), and since every
//   earlier lost one went first, it meets the state it was signed against — only the block time
//   is later. Where that matters (a freeze after the challenge window closed, a reject of a batch
//   the chain no longer holds) the contract refuses it, and that is reported, never forced.
// - a transaction only signed (the crash came before the node took it) was never acknowledged to
//   whoever asked for it, nor written to the regulator's audit log: it is reported, not sent.
// - the sender's nonce on chain already past it: another transaction took its place; reported,
//   and so is every later one of that sender (the state it was signed against is not there).
// Plain JSON-RPC (no wallet, no signing): nothing here can make a transaction that was not made.
import type { Hex } from '@feedin/protocol/hex';
import type { JournalRecord, TransactionJournal } from './transaction-journal.js';

export type RecoveryOutcome =
  /** lost by the chain, sent again, mined successfully */
  | 're-applied'
  /** lost by the chain, sent again, but the contract now refuses it */
  | 'refused-on-re-apply'
  /** lost by the chain and not sent again (see `detail`) */
  | 'not-re-applied';

export interface RecoveryEntry {
  txHash: Hex;
  from: Hex;
  nonce: number;
  label: string;
  signedAt: string;
  /** the block it was in before the crash, when known */
  lostBlockNumber: number | null;
  outcome: RecoveryOutcome;
  /** the block it is in now (re-applied or refused) */
  blockNumber: number | null;
  detail: string;
}

export interface RecoverFromJournalParameters {
  rpcUrl: string;
  records: readonly JournalRecord[];
  /** re-sent transactions get their new `mined` line here */
  journal?: TransactionJournal;
  /** bound on waiting for the re-sent transactions' receipts; default 30 000 */
  confirmationTimeoutMs?: number;
}

export interface RecoverFromJournalReturnType {
  /** journaled transactions the chain still had */
  onChain: number;
  /** everything the chain had lost, with what was done about it */
  lost: RecoveryEntry[];
}

export async function recoverFromJournal({ rpcUrl, records, journal, confirmationTimeoutMs = 30_000 }: RecoverFromJournalParameters): Promise<RecoverFromJournalReturnType> {
  const rpc = jsonRpc(rpcUrl);
  const receipts = await receiptsOf(rpc, records.map((r) => r.txHash));
  const missing = records.filter((_, i) => receipts[i] === null);
  const lost: RecoveryEntry[] = [];
  const deadline = Date.now() + confirmationTimeoutMs;
  // In-flight re-sends of one sender. The node orders one sender's transactions by nonce, but not
  // different senders' within a block: before another sender's turn these are waited for, so the
  // chain applies them in the journal's order (a reject after its freeze, a withdrawal after the
  // batch submission it needs).
  let inFlight: { record: JournalRecord; entry: RecoveryEntry }[] = [];
  const settle = async () => {
    for (const sent of inFlight) await confirmResent(sent.record, sent.entry);
    inFlight = [];
  };
  const confirmResent = async (record: JournalRecord, entry: RecoveryEntry) => {
    let receipt = (await receiptsOf(rpc, [record.txHash]))[0]!;
    while (!receipt && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      receipt = (await receiptsOf(rpc, [record.txHash]))[0]!;
    }
    if (!receipt) {
      entry.detail = `sent again, but no receipt within ${confirmationTimeoutMs} ms`;
      return;
    }
    entry.blockNumber = Number(receipt.blockNumber);
    const ok = receipt.status === '0x1';
    entry.outcome = ok ? 're-applied' : 'refused-on-re-apply';
    entry.detail = ok
      ? `sent again as the same signed transaction; mined in block ${entry.blockNumber}`
      : `sent again as the same signed transaction, but it reverted in block ${entry.blockNumber}: the chain's state or time no longer allows it`;
    await journal?.mined(record.txHash, entry.blockNumber, ok ? 'success' : 'reverted').catch(() => undefined);
  };

  const unsent = new Set<Hex>();
  for (const record of missing) {
    const entry: RecoveryEntry = {
      txHash: record.txHash,
      from: record.from,
      nonce: record.nonce,
      label: record.label,
      signedAt: record.signedAt,
      lostBlockNumber: record.mined?.blockNumber ?? null,
      outcome: 'not-re-applied',
      blockNumber: null,
      detail: '',
    };
    lost.push(entry);
    // A later transaction of the same sender that the node took means this nonce was used: by
    // this one, since nonces go out in order.
    const reachedNode = record.broadcast || record.mined !== undefined || records.some((r) => r.from === record.from && r.nonce > record.nonce && (r.broadcast || r.mined));
    if (!reachedNode) {
      entry.detail = 'signed, but not known to have reached the chain before the crash: not sent again (nobody was told it happened)';
      unsent.add(record.from);
      continue;
    }
    // Its nonce may be free, but the state it was signed against (with the earlier one) is not there.
    if (unsent.has(record.from)) {
      entry.detail = 'an earlier transaction of the same sender was not re-applied: not sent again';
      continue;
    }
    if (inFlight.length > 0 && inFlight[0]!.record.from !== record.from) await settle();
    const nonceNow = Number(await rpc<string>('eth_getTransactionCount', [record.from, 'pending']));
    if (nonceNow > record.nonce) {
      entry.detail = `the sender's nonce ${record.nonce} is already used on chain by another transaction: not sent again`;
      unsent.add(record.from);
      continue;
    }
    if (nonceNow < record.nonce) {
      entry.detail = `an earlier transaction of the sender (nonce ${nonceNow}) is missing and was not sent again: not sent`;
      unsent.add(record.from);
      continue;
    }
    try {
      await rpc('eth_sendRawTransaction', [record.raw]);
      inFlight.push({ record, entry });
    } catch (error) {
      entry.detail = `the node refused it: ${(error as Error).message}`;
      unsent.add(record.from);
    }
  }
  await settle();
  return { onChain: records.length - missing.length, lost };
}

interface Receipt {
  blockNumber: string;
  status: string;
}

type Rpc = <T>(method: string, params: unknown[]) => Promise<T>;

function jsonRpc(rpcUrl: string): Rpc & { batch<T>(calls: [string, unknown[]][]): Promise<T[]> } {
  const post = async (body: unknown) => {
    const response = await fetch(rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`chain RPC ${rpcUrl}: HTTP ${response.status}`);
    return response.json();
  };
  const unwrap = <T>(answer: { result?: T; error?: { message: string } }): T => {
    if (answer.error) throw new Error(answer.error.message);
    return answer.result as T;
  };
  const rpc = async <T>(method: string, params: unknown[]) => unwrap<T>(await post({ jsonrpc: '2.0', id: 1, method, params }));
  return Object.assign(rpc, {
    async batch<T>(calls: [string, unknown[]][]) {
      if (calls.length === 0) return [];
      const answers = (await post(calls.map(([method, params], id) => ({ jsonrpc: '2.0', id, method, params })))) as { id: number; result?: T; error?: { message: string } }[];
      return [...answers].sort((a, b) => a.id - b.id).map((a) => unwrap<T>(a));
    },
  });
}

/** Receipts (null = the chain does not have it), 200 per JSON-RPC batch. */
async function receiptsOf(rpc: ReturnType<typeof jsonRpc>, hashes: readonly Hex[]): Promise<(Receipt | null)[]> {
  const out: (Receipt | null)[] = [];
  for (let i = 0; i < hashes.length; i += 200)
    out.push(...(await rpc.batch<Receipt | null>(hashes.slice(i, i + 200).map((h) => ['eth_getTransactionReceipt', [h]]))));
  return out;
}

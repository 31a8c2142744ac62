// Sends contract calls signed locally (docs/design.md §Chain: nodes hold no keys) with explicit
// nonces, so that a burst from one signer neither collides nor leaves gaps: gas estimation, fee
// choice, nonce, signing and broadcast run one at a time; waiting for the receipt runs in parallel.
// A nonce is taken only after the estimate passed, so a call that reverts in estimation never burns
// one. Any failure after that resyncs the nonce from the node's pending count.
import { Transaction, type JsonRpcProvider, type TransactionReceipt, type Wallet } from 'ethers';
import type { Hex } from '@feedin/protocol/hex';
import { ChainError, decodeRevert, formatRevert, refusalOf, toChainError } from './chain-error.js';
import { decodeEvents, type ChainEvent } from './chain-events.js';
import type { Deployment } from './chain-types.js';
import type { TransactionJournal } from './transaction-journal.js';

export interface SentTransaction {
  txHash: Hex;
  blockNumber: number;
  gasUsed: bigint;
  /** events the deployment's contracts emitted in this transaction */
  events: ChainEvent[];
  /** set for a contract creation */
  contractAddress?: Hex;
}

export interface TransactionSender {
  readonly address: Hex;
  /** `to` undefined = contract creation */
  send(call: { to: Hex | undefined; data: Hex; label: string }): Promise<SentTransaction>;
}

export interface TransactionSenderParameters {
  provider: JsonRpcProvider;
  wallet: Wallet;
  chainId: number;
  /** whose events to decode from receipts; none while deploying */
  deployment?: Deployment;
  /** bound on waiting for the receipt; default 60 000 */
  confirmationTimeoutMs?: number;
  /** most transactions of this signer in the node's pool at once (broadcast, no receipt yet);
   * default {@link DEFAULT_MAX_PENDING_PER_SENDER}. A burst beyond it waits for receipts instead of
   * being refused by a pool with per-sender limits (Besu: tx-pool-max-future-by-sender, layered
   * pool capacity; legacy pool: tx-pool-limit-by-account-percentage). */
  maxPendingPerSender?: number;
  /** write-ahead journal: each signed transaction is on disk before it is broadcast (#17) */
  journal?: TransactionJournal;
}

export const DEFAULT_MAX_PENDING_PER_SENDER = 16;

// The transaction is out: failing it now because its journal note could not be written would
// tell the caller "not sent" about a sent transaction. Recovery then knows it only as signed.
const noteLost = (): void => {};

export function createTransactionSender(parameters: TransactionSenderParameters): TransactionSender {
  const { provider, wallet, chainId, deployment, journal } = parameters;
  const address = wallet.address as Hex;
  let nextNonce: number | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  const maxPending = parameters.maxPendingPerSender ?? DEFAULT_MAX_PENDING_PER_SENDER;
  if (!Number.isInteger(maxPending) || maxPending < 1) throw new RangeError(`createTransactionSender: maxPendingPerSender must be a positive integer, got ${maxPending}`);
  // Slots for transactions in the pool. Taken inside the serialized broadcast step, so nonces still
  // go out in order; given back when the receipt is seen (or the broadcast failed).
  let pending = 0;
  const slotWaiters: Array<() => void> = [];
  const takeSlot = async () => {
    while (pending >= maxPending) await new Promise<void>((resolve) => slotWaiters.push(resolve));
    pending += 1;
  };
  const giveSlot = () => {
    pending -= 1;
    slotWaiters.shift()?.();
  };

  function serialized<T>(step: () => Promise<T>): Promise<T> {
    const run = queue.then(step, step);
    queue = run.catch(() => undefined);
    return run;
  }

  async function broadcast(to: Hex | undefined, data: Hex, label: string): Promise<Hex> {
    // One round trip: ethers batches concurrent JSON-RPC requests.
    const [gasEstimate, fees, pendingCount] = await Promise.all([
      provider.estimateGas({ from: address, to, data }),
      chooseFees(provider),
      nextNonce === undefined ? provider.getTransactionCount(address, 'pending') : undefined,
    ]);
    nextNonce ??= pendingCount!;
    const nonce = nextNonce;
    try {
      const tx = Transaction.from({
        to: to ?? null,
        data,
        nonce,
        chainId: BigInt(chainId),
        // 20 % headroom: the state may move between estimate and inclusion (e.g. warm vs cold slots).
        gasLimit: (gasEstimate * 12n) / 10n,
        ...fees,
      });
      const signed = (await wallet.signTransaction(tx)) as Hex;
      const txHash = Transaction.from(signed).hash as Hex;
      await journal?.signed({ txHash, from: address, nonce, ...(to ? { to } : {}), label, raw: signed, signedAt: new Date().toISOString() });
      const response = await provider.broadcastTransaction(signed);
      nextNonce = nonce + 1;
      await journal?.broadcast(txHash).catch(noteLost);
      return response.hash as Hex;
    } catch (error) {
      nextNonce = undefined;
      throw toChainError(error, `${label}: broadcast with nonce ${nonce}`);
    }
  }

  async function confirm(txHash: Hex, to: Hex | undefined, data: Hex, label: string): Promise<SentTransaction> {
    const receipt = await pollReceipt(txHash, label);
    await journal?.mined(txHash, receipt.blockNumber, receipt.status === 1 ? 'success' : 'reverted').catch(noteLost);
    if (receipt.status !== 1) throw await revertedOnChain(receipt, to, data, label);
    return {
      txHash,
      blockNumber: receipt.blockNumber,
      gasUsed: receipt.gasUsed,
      events: deployment ? decodeEvents(deployment, receipt.logs) : [],
      ...(receipt.contractAddress ? { contractAddress: receipt.contractAddress as Hex } : {}),
    };
  }

  /** One confirmation = a receipt exists. Polled directly: ethers' waitForTransaction waits for a
   * new block event, which never comes on an automining chain that has gone quiet. */
  async function pollReceipt(txHash: Hex, label: string): Promise<TransactionReceipt> {
    const timeoutMs = parameters.confirmationTimeoutMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const receipt = await provider.getTransactionReceipt(txHash);
      if (receipt) return receipt;
      if (Date.now() >= deadline) throw new ChainError('timeout', `${label}: no receipt for ${txHash} within ${timeoutMs} ms`, { txHash });
      await new Promise((resolve) => setTimeout(resolve, provider.pollingInterval));
    }
  }

  /** A receipt carries no revert data: replay the call on the block's state to name the error. */
  async function revertedOnChain(receipt: TransactionReceipt, to: Hex | undefined, data: Hex, label: string): Promise<ChainError> {
    let revert;
    try {
      await provider.call({ from: address, to: to ?? null, data, blockTag: receipt.blockNumber });
    } catch (error) {
      revert = toChainError(error, label).revert ?? decodeRevert((error as { data?: string }).data);
    }
    const where = `transaction ${receipt.hash} reverted in block ${receipt.blockNumber}`;
    const message = revert ? `${label}: refused: ${refusalOf(revert).message} [${formatRevert(revert)}, ${where}]` : `${label}: ${where}`;
    return new ChainError('reverted', message, {
      txHash: receipt.hash,
      ...(revert ? { revert } : {}),
    });
  }

  return {
    address,
    async send({ to, data, label }) {
      let slotTaken = false;
      try {
        const txHash = await serialized(async () => {
          await takeSlot();
          slotTaken = true;
          return broadcast(to, data, label);
        });
        return await confirm(txHash, to, data, label);
      } catch (error) {
        throw toChainError(error, label);
      } finally {
        if (slotTaken) giveSlot();
      }
    },
  };
}

/** docs/design.md §Chain: works with a zero-base-fee chain (Besu QBFT free gas): there, fees are
 * 0; without EIP-1559 (no base fee in blocks) a legacy gas price; otherwise maxFee = 2 × baseFee +
 * tip. */
async function chooseFees(provider: JsonRpcProvider): Promise<
  { type: 0; gasPrice: bigint } | { type: 2; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }
> {
  const [block, gasPrice, tip] = await Promise.all([
    provider.getBlock('latest'),
    provider.send('eth_gasPrice', []) as Promise<string>,
    (provider.send('eth_maxPriorityFeePerGas', []) as Promise<string>).catch(() => undefined),
  ]);
  const baseFee = block?.baseFeePerGas;
  if (baseFee === 0n) return { type: 2, maxFeePerGas: 0n, maxPriorityFeePerGas: 0n };
  if (baseFee === null || baseFee === undefined || tip === undefined) return { type: 0, gasPrice: BigInt(gasPrice) };
  return { type: 2, maxFeePerGas: 2n * baseFee + BigInt(tip), maxPriorityFeePerGas: BigInt(tip) };
}

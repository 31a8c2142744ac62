// The chain client: the only part of feedin that speaks ethers. Gateway, CLI and dashboard get
// domain types back (bigint, Hex, plain objects) and, on failure, a ChainError — the translation
// happens here, once, for every method (STYLE: one boundary).
import { FetchRequest, JsonRpcProvider, Network, Wallet, isError } from 'ethers';
import type { Hex } from '@feedin/protocol/hex';
import { toChainError } from './chain-error.js';
import type { ChainEvent } from './chain-events.js';
import { createChainReads, type ChainReads } from './chain-reads.js';
import { createChainWrites, type ChainWrites } from './chain-writes.js';
import type { Deployment } from './chain-types.js';
import { createTransactionSender } from './transaction-sender.js';
import type { TransactionJournal } from './transaction-journal.js';
import { watchEvents, type WatchOptions } from './chain-watch.js';

export interface CreateChainClientParameters {
  rpcUrl: string;
  chainId: number;
  deployment: Deployment;
  /** private key that signs writes; without it the client only reads */
  signerKey?: Hex;
  /** receipt and event polling; default 250 (ethers' 4 s is too slow for 1-2 s blocks) */
  pollingIntervalMs?: number;
  /** bound on one JSON-RPC request; default 10 000 */
  requestTimeoutMs?: number;
  /** bound on waiting for a transaction's receipt; default 60 000 */
  confirmationTimeoutMs?: number;
  /** most transactions of the signer in the node's pool at once (see createTransactionSender) */
  maxPendingPerSender?: number;
  /** write-ahead journal of every signed transaction (the embedded sandbox's, see transaction-journal.ts) */
  journal?: TransactionJournal;
}

export interface ChainClient extends ChainReads, ChainWrites {
  /** the signer's address, undefined for a read-only client */
  readonly address: Hex | undefined;
  readonly deployment: Deployment;
  /** Polls for the deployment's events from `fromBlock` on; returns the unsubscribe function. */
  onEvents(fromBlock: number, handler: (event: ChainEvent) => void | Promise<void>, options?: WatchOptions): () => void;
  /** stops every subscription and the provider */
  close(): void;
}

export function createChainClient(parameters: CreateChainClientParameters): ChainClient {
  const { rpcUrl, chainId, deployment } = parameters;
  const pollingIntervalMs = parameters.pollingIntervalMs ?? 250;
  const request = new FetchRequest(rpcUrl);
  request.timeout = parameters.requestTimeoutMs ?? 10_000;
  const network = Network.from(chainId);
  // staticNetwork: no chain-id probing, which in ethers retries forever when the node is down;
  // cacheTimeout -1: no 250 ms response cache, which could hand the nonce logic a stale count.
  const provider = new JsonRpcProvider(request, network, { staticNetwork: network, pollingInterval: pollingIntervalMs, cacheTimeout: -1 });

  const reads = guard(createChainReads(provider, deployment));
  const wallet = parameters.signerKey ? new Wallet(parameters.signerKey, provider) : undefined;
  const writes = wallet
    ? guard(
        createChainWrites(
          createTransactionSender({ provider, wallet, chainId, deployment, confirmationTimeoutMs: parameters.confirmationTimeoutMs, maxPendingPerSender: parameters.maxPendingPerSender, journal: parameters.journal }),
          deployment,
        ),
      )
    : readOnlyWrites();

  const watchers = new Set<() => void>();
  return {
    ...reads,
    ...writes,
    address: wallet?.address as Hex | undefined,
    deployment,
    onEvents(fromBlock, handler, options) {
      const stop = watchEvents({ blockNumber: reads.blockNumber, events: reads.events }, pollingIntervalMs, fromBlock, handler, options);
      const unsubscribe = () => {
        stop();
        watchers.delete(unsubscribe);
      };
      watchers.add(unsubscribe);
      return unsubscribe;
    },
    close() {
      for (const stop of [...watchers]) stop();
      provider.destroy();
    },
  };
}

/** Wraps every method: ChainError for chain failures, TypeError for bad arguments (misuse). */
function guard<T extends object>(methods: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(methods)) {
    wrapped[name] = async (...args: unknown[]) => {
      try {
        return await (fn as (...a: unknown[]) => Promise<unknown>)(...args);
      } catch (error) {
        if (isError(error, 'INVALID_ARGUMENT')) throw new TypeError(`${name}: ${error.shortMessage}`, { cause: error });
        if (error instanceof RangeError || error instanceof TypeError) throw error;
        throw toChainError(error, name);
      }
    };
  }
  return wrapped as T;
}

const WRITE_NAMES = {
  registerMeter: true, registerMeters: true, assignShard: true, suspendMeter: true, reactivateMeter: true, submitBatch: true, freezeBatch: true, approveBatch: true,
  rejectBatch: true, pause: true, unpause: true, setLimits: true, setChallengeWindow: true, withdraw: true, withdrawMany: true, fundEscrow: true,
  mint: true, transferToken: true, endSandbox: true, rotateKey: true, revokeKey: true,
  cancelRotation: true, setSandboxClock: true, setKeyRotationHorizon: true,
} satisfies Record<keyof ChainWrites, true>;

function readOnlyWrites(): ChainWrites {
  const refuse = (name: string) => async () => {
    throw new Error(`chain client: ${name} needs a signerKey (this client only reads)`);
  };
  return Object.fromEntries(Object.keys(WRITE_NAMES).map((name) => [name, refuse(name)])) as unknown as ChainWrites;
}

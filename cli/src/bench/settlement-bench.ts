// Settlement costs on a real anvil with the deployed contracts: gas per submitBatch at growing
// claim counts (the contract stores two roots, so it should be flat), gas per withdraw with a
// real proof, the time to build both roots of a large batch, and the time from an interval's
// close (end + grace, as the gateway sees it) to its batch on chain, through the real service;
// and registerMeters gas per meter at 1, 100 and 1,000 meters per transaction (issue #13).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAnvil } from '@feedin/contracts/anvil';
import { createChainClient } from '@feedin/contracts/chain-client';
import { deployContracts } from '@feedin/contracts/deploy';
import { SANDBOX_TEST_ADDRESSES, SANDBOX_TEST_KEYS } from '@feedin/contracts/sandbox-test-keys';
import { checksumAddress } from '@feedin/protocol/address';
import type { Hex } from '@feedin/protocol/hex';
import { createWasmKeccak256 } from '@feedin/protocol/keccak-wasm';
import type { Keccak256Implementation } from '@feedin/protocol/keccak';
import { buildMerkleTreeFromBytes, payoutLeafHash, payoutLeafHashes, type ClaimLeaf, type PayoutLeaf } from '@feedin/protocol/merkle';
import { sandboxConfigSchema } from '@feedin/sandbox-config/schema';
import { GatewayEvents } from '@feedin/gateway/events';
import { createStaticDirectory } from '@feedin/gateway/registry/meter-directory';
import { buildBatchRoots } from '@feedin/gateway/settlement/batch-roots';
import { startSettlement } from '@feedin/gateway/settlement/settlement-service';
import { openSettlementStore } from '@feedin/gateway/settlement/settlement-store';
import { openSqliteStore } from '@feedin/gateway/store/sqlite-store';
import type { BenchRow } from './report.js';

export interface SettlementBenchResult {
  gasPerSubmitBatch: Array<{ claims: number; gasUsed: string; rootsMs: number }>;
  withdrawGasUsed: string;
  registerMetersGas: Array<{ meters: number; gasUsed: string; perMeter: string }>;
  closeToChainMs: number;
  closeToChainMeters: number;
  rows: BenchRow[];
}

const [deployerKey, gatewayKey, , operatorKey, outsiderKey] = SANDBOX_TEST_KEYS as [Hex, Hex, Hex, Hex, Hex];
const [, gateway, regulator, operator] = SANDBOX_TEST_ADDRESSES as Hex[];
const payeeOf = (n: number) => checksumAddress(`0x${(n + 1).toString(16).padStart(40, '0')}`);
const digestOf = (n: number, side: number) => `0x${(n * 2 + side).toString(16).padStart(64, '0')}` as Hex;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** Both roots of a batch of `claims` claims (one payee per claim), timed through the function
 * buildBatch builds them with, from the claims' leaves and the payouts to both roots. */
function buildRoots(claims: number, intervalStartSec: bigint, keccak: Keccak256Implementation | undefined) {
  const leaves: ClaimLeaf[] = [];
  const payouts: PayoutLeaf[] = [];
  let total = 0n;
  for (let i = 0; i < claims; i++) {
    const amount = BigInt(100 + (i % 50));
    total += amount;
    const payee = payeeOf(i);
    leaves.push({ meterId: `m-${i}`, intervalStartSec, intervalEndSec: intervalStartSec + 900n, exportWh: 125n, amount, payee, openingDigest: digestOf(i, 0), closingDigest: digestOf(i, 1) });
    payouts.push({ payee, cumulativeAmount: amount });
  }
  const started = performance.now();
  const { claimsRoot, payoutsRoot } = buildBatchRoots({ claims: leaves, payouts, keccak });
  const ms = performance.now() - started;
  return { claimsRoot, payoutsRoot, payouts, total, ms };
}

export async function runSettlementBench(o: { claimCounts: number[]; closeMeters?: number; registerCounts?: number[]; log: (l: string) => void }): Promise<SettlementBenchResult> {
  // The WASM Keccak `feedin up` hands to settlement (the portable one where WASM cannot load).
  const keccak = (await createWasmKeccak256()) ?? undefined;
  // 1,000 registrations in one transaction take ~200 M gas: more than anvil's default 30 M block.
  const anvil = await startAnvil({ chainId: 31337, blockTimeSeconds: 1, gasLimit: 1_000_000_000 });
  const dir = await mkdtemp(join(tmpdir(), 'feedin-bench-settlement-'));
  try {
    const deploy = (challengeWindowSeconds: number) =>
      deployContracts({
        rpcUrl: anvil.rpcUrl,
        chainId: 31337,
        deployerKey,
        roles: { gateway: gateway!, regulator: regulator!, operator: operator! },
        token: { name: 'Sandbox Dong', symbol: 'sVND', decimals: 0, initialEscrow: 10n ** 15n },
        challengeWindowSeconds,
        pollingIntervalMs: 50,
      });
    const deployment = await deploy(0);
    // Estimating a 1,000-meter registration runs it many times over: give requests time.
    const client = (signerKey: Hex) => createChainClient({ rpcUrl: anvil.rpcUrl, chainId: 31337, deployment, signerKey, pollingIntervalMs: 50, requestTimeoutMs: 300_000, confirmationTimeoutMs: 300_000 });
    const chain = client(gatewayKey);
    const outsider = client(outsiderKey);

    const gasPerSubmitBatch: SettlementBenchResult['gasPerSubmitBatch'] = [];
    let last: ReturnType<typeof buildRoots> | undefined;
    const T0 = 1_795_000_500n;
    // A first batch writes storage that later ones only update: submit one before measuring, so
    // every measured batch pays the same storage costs and only the claim count differs.
    const warmUp = buildRoots(1, T0, keccak);
    await chain.submitBatch({ batchId: 1n, intervalStartSec: T0, intervalEndSec: T0 + 900n, claimsRoot: warmUp.claimsRoot, payoutsRoot: warmUp.payoutsRoot, claimCount: 1n, totalExportWh: 125n, totalAmount: warmUp.total });
    for (const [i, claims] of o.claimCounts.entries()) {
      const intervalStartSec = T0 + BigInt(i + 1) * 900n;
      const roots = buildRoots(claims, intervalStartSec, keccak);
      const tx = await chain.submitBatch({ batchId: BigInt(i + 2), intervalStartSec, intervalEndSec: intervalStartSec + 900n, claimsRoot: roots.claimsRoot, payoutsRoot: roots.payoutsRoot, claimCount: BigInt(claims), totalExportWh: 125n * BigInt(claims), totalAmount: roots.total });
      gasPerSubmitBatch.push({ claims, gasUsed: tx.gasUsed.toString(), rootsMs: roots.ms });
      o.log(`settlement: ${fmt(claims)} claims: roots in ${roots.ms.toFixed(0)} ms, submitBatch ${tx.gasUsed} gas`);
      last = roots;
    }
    // Withdraw from the largest batch (challenge window 0: final at once) with its real proof.
    const payout = last!.payouts[Math.floor(last!.payouts.length / 2)]!;
    const payoutsTree = buildMerkleTreeFromBytes(payoutLeafHashes(last!.payouts, keccak), keccak);
    if (payoutsTree.root !== last!.payoutsRoot) throw new Error('bench: the payouts tree for the proof does not match the submitted root');
    const w = await outsider.withdraw({ batchId: BigInt(o.claimCounts.length + 1), payee: payout.payee, cumulativeAmount: payout.cumulativeAmount, proof: payoutsTree.proof(payoutLeafHash(payout)) });
    chain.close();
    outsider.close();

    const registerMetersGas: SettlementBenchResult['registerMetersGas'] = [];
    const operatorClient = client(operatorKey);
    for (const n of o.registerCounts ?? [1, 100, 1_000]) {
      // One new household per meter (the sandbox's shape), all on shard 1.
      const meters = Array.from({ length: n }, (_, i) => ({ meterId: `r${n}-${i}`, publicKey: `0x02${'11'.repeat(32)}` as Hex, payee: payeeOf(1_000_000 + n * 10_000 + i), capacityW: 5000, shard: 1 }));
      const tx = await operatorClient.registerMeters(meters);
      registerMetersGas.push({ meters: n, gasUsed: tx.gasUsed.toString(), perMeter: (tx.gasUsed / BigInt(n)).toString() });
      o.log(`settlement: registerMeters ×${fmt(n)}: ${tx.gasUsed} gas, ${tx.gasUsed / BigInt(n)} per meter`);
    }
    operatorClient.close();

    const close = await closeToChain(anvil.rpcUrl, await deploy(30), o.closeMeters ?? 1_000, dir);
    o.log(`settlement: interval close → batch on chain ${close.toFixed(0)} ms (${fmt(o.closeMeters ?? 1_000)} meters)`);

    const gases = gasPerSubmitBatch.map((g) => BigInt(g.gasUsed));
    const spread = Number(gases.reduce((a, b) => (a > b ? a : b)) - gases.reduce((a, b) => (a < b ? a : b)));
    const largest = gasPerSubmitBatch[gasPerSubmitBatch.length - 1]!;
    const rows: BenchRow[] = [
      ...gasPerSubmitBatch.map((g) => ({ area: 'settlement' as const, measure: `gas per submitBatch, ${fmt(g.claims)} claims`, value: fmt(Number(g.gasUsed)), target: 'flat', met: spread <= 0.02 * Number(gases[0]) })),
      { area: 'settlement', measure: 'gas per withdraw (real proof)', value: fmt(Number(w.gasUsed)), target: '—', met: null },
      ...registerMetersGas.map((g) => ({ area: 'settlement' as const, measure: `registerMeters gas per meter, ${fmt(g.meters)} per transaction`, value: fmt(Number(g.perMeter)), target: '—', met: null })),
      { area: 'settlement', measure: `build both roots, ${fmt(largest.claims)} claims`, value: `${fmt(largest.rootsMs)} ms`, target: largest.claims >= 100_000 ? '< 2,000 ms' : '< 2,000 ms (at 100,000)', met: largest.claims >= 100_000 ? largest.rootsMs < 2000 : null },
      { area: 'settlement', measure: `interval close → batch on chain, ${fmt(o.closeMeters ?? 1_000)} meters (1 s blocks)`, value: `${fmt(close)} ms`, target: '—', met: null },
    ];
    return { gasPerSubmitBatch, withdrawGasUsed: w.gasUsed.toString(), registerMetersGas, closeToChainMs: close, closeToChainMeters: o.closeMeters ?? 1_000, rows };
  } finally {
    await anvil.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The real settlement service over `meters` meters with readings in a real store: the wall time
 * of the tick that finds the interval closed, until its batch is submitted and mined. */
async function closeToChain(rpcUrl: string, deployment: Awaited<ReturnType<typeof deployContracts>>, meters: number, dir: string): Promise<number> {
  const T0 = Date.UTC(2026, 10, 22, 3, 0, 0);
  const MIN = 60_000;
  const households = Array.from({ length: meters }, (_, i) => ({ id: `h${i}`, name: `H${i}`, payee: payeeOf(i) }));
  const config = sandboxConfigSchema.parse({
    sandbox: { id: 'bench', name: 'Bench', timeZone: 'Asia/Ho_Chi_Minh', utcOffsetMinutes: 420, start: '2026-11-01T00:00:00+07:00', end: '2027-11-01T00:00:00+07:00' },
    interval: { minutes: 15, graceSeconds: 60 },
    tariffs: [{ id: 'flat', periods: [{ validFrom: '2026-01-01T00:00:00+07:00', pricePerKWh: 2000 }] }],
    participants: { regulator: { name: 'Regulator' }, operator: { name: 'Operator' }, households },
    meters: households.map((h, i) => ({ id: `m${i}`, household: h.id, capacityW: 5000, tariff: 'flat' })),
    chain: { keys: { deployer: { sandboxTestValue: '0x01' }, gateway: { sandboxTestValue: '0x02' }, regulator: { sandboxTestValue: '0x03' }, operator: { sandboxTestValue: '0x04' } } },
    simulation: { location: { latitude: 10.8, longitude: 106.7 } },
  });
  const directory = createStaticDirectory(households.map((h, i) => ({ meterId: `m${i}`, publicKey: { curve: 'secp256k1', point: new Uint8Array(33).fill(2) }, payee: h.payee, capacityW: 5000, active: true, suspendedFromMs: null })));
  const store = openSqliteStore(join(dir, 'readings.sqlite'));
  const settlementStore = openSettlementStore(join(dir, 'settlement.sqlite'));
  const chain = createChainClient({ rpcUrl, chainId: 31337, deployment, signerKey: gatewayKey, pollingIntervalMs: 50 });
  const clock = { sandboxMs: T0 + MIN, nowMs: () => clock.sandboxMs, wallNowMs: () => Date.now(), speed: 60 };
  const events = new GatewayEvents();
  const service = await startSettlement({ config, clock, store, settlementStore, directory, chain, firstIntervalStartMs: T0, events, log: () => {}, tickIntervalMs: 0 });
  try {
    // Two readings per meter bracket the interval [T0, T0+15 min).
    const entries = households.flatMap((_, i) =>
      [0, 15].map((minute, k) => ({
        kind: 'accepted' as const,
        reading: { meterId: `m${i}`, pagination: k + 1, importWh: 0n, exportWh: BigInt(1000 + k * 100), timestampMs: T0 + minute * MIN, receivedAtMs: T0 + minute * MIN, payloadDigest: digestOf(i, k), ocmf: `OCMF|{"MS":"m${i}"}|{}`, source: 'mqtt' as const },
      })),
    );
    await store.append(entries);
    let submittedAt = NaN;
    events.on('batch.submitted', () => (submittedAt = performance.now()));
    clock.sandboxMs = T0 + 16 * MIN + 1;
    const started = performance.now();
    await service.tick();
    if (Number.isNaN(submittedAt)) throw new Error(`bench: the batch was not submitted (${JSON.stringify(service.status())})`);
    return submittedAt - started;
  } finally {
    await service.stop();
    chain.close();
    settlementStore.close();
    await store.close();
  }
}

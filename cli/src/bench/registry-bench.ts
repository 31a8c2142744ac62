// Registry RPC load of one gateway at a large registry (issue #13.4): N meters registered on a
// real anvil, the gateway's registry sync run through a counting JSON-RPC proxy. Measured: the
// calls of the start-up full read, of `windowSeconds` of steady state (the event poll) and of one
// safety-net pass; the per-minute figure is the steady state plus the safety net amortized over
// its period (registry-sync.ts defaults).
import { startAnvil } from '@feedin/contracts/anvil';
import { createChainClient } from '@feedin/contracts/chain-client';
import { contractInterface } from '@feedin/contracts/contract-interfaces';
import { deployContracts } from '@feedin/contracts/deploy';
import { SANDBOX_TEST_ADDRESSES, SANDBOX_TEST_KEYS } from '@feedin/contracts/sandbox-test-keys';
import type { Hex } from '@feedin/protocol/hex';
import { createDirectory } from '@feedin/gateway/registry/meter-directory';
import { syncRegistry } from '../sandbox/registry-sync.js';
import { startCountingRpcProxy } from './counting-rpc-proxy.js';
import type { BenchRow } from './report.js';

const [deployerKey] = SANDBOX_TEST_KEYS as Hex[];
const [, gateway, regulator, operator, , payee] = SANDBOX_TEST_ADDRESSES as Hex[];
/** secp256k1 G (compressed): one valid key for every meter; the registry does not require distinct keys */
const KEY: Hex = '0x0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798';
const EVENT_POLL_MS = 5_000;
const FULL_READ_EVERY_MS = 3_600_000;

export interface RegistryBenchResult {
  meters: number;
  registerSeconds: number;
  startupCalls: number;
  startupSeconds: number;
  steadyWindowSeconds: number;
  steadyCalls: Record<string, number>;
  safetyNetCalls: number;
  callsPerMinute: number;
  rows: BenchRow[];
}

async function rpcBatch(url: string, calls: { method: string; params: unknown[] }[]): Promise<void> {
  const body = JSON.stringify(calls.map((c, i) => ({ jsonrpc: '2.0', id: i, ...c })));
  const answer = (await (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).json()) as { error?: { message: string } }[];
  const failed = answer.find((a) => a.error);
  if (failed) throw new Error(`registry bench: ${failed.error!.message}`);
}

async function transactionCount(url: string, account: Hex, block: 'latest' | 'pending'): Promise<number> {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_getTransactionCount', params: [account, block] });
  const answer = (await (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).json()) as { result: string };
  return Number(answer.result);
}

export async function runRegistryBench(o: { meters: number; windowSeconds: number; log: (l: string) => void }): Promise<RegistryBenchResult> {
  const anvil = await startAnvil({ chainId: 31337 });
  const proxy = await startCountingRpcProxy(anvil.rpcUrl);
  try {
    const deployment = await deployContracts({
      rpcUrl: anvil.rpcUrl,
      chainId: 31337,
      deployerKey: deployerKey!,
      roles: { gateway: gateway!, regulator: regulator!, operator: operator! },
      token: { name: 'Sandbox Dong', symbol: 'sVND', decimals: 0, initialEscrow: 0n },
      challengeWindowSeconds: 60,
    });
    // anvil's account 3 (the operator) is unlocked: eth_sendTransaction in batches, no local signing.
    const registry = contractInterface('MeterRegistry');
    const started = Date.now();
    const BATCH = 200; // anvil's pool slows down sharply with thousands pending from one sender
    const firstNonce = await transactionCount(anvil.rpcUrl, operator!, 'pending');
    const send = (from: number, to: number) => {
      const calls = [];
      for (let i = from; i < to; i++)
        calls.push({ method: 'eth_sendTransaction', params: [{ from: operator, to: deployment.registry, gas: '0x7a120', nonce: `0x${(firstNonce + i).toString(16)}`, data: registry.encodeFunctionData('registerMeter', [`B-${i}`, KEY, payee, 5000]) }] });
      return rpcBatch(anvil.rpcUrl, calls).catch(() => {}); // a resent one already known is fine
    };
    for (let start = 0; start < o.meters; start += BATCH) {
      const end = Math.min(o.meters, start + BATCH);
      await send(start, end);
      // Mined before the next batch is sent; anvil sometimes drops part of a batch from its pool
      // (seen under load), so what has not moved for 2 s is sent again with the same nonces.
      let last = -1;
      let still = 0;
      for (;;) {
        const mined = (await transactionCount(anvil.rpcUrl, operator!, 'latest')) - firstNonce;
        if (mined >= end) break;
        if (mined === last && ++still >= 40) {
          await send(mined, end);
          still = 0;
        } else if (mined !== last) still = 0;
        last = mined;
        await new Promise((r) => setTimeout(r, 50));
      }
      if (process.env.FEEDIN_BENCH_VERBOSE || (start / BATCH) % 50 === 0) o.log(`registry: ${end.toLocaleString('en-US')} of ${o.meters.toLocaleString('en-US')} meters registered`);
    }
    const registerSeconds = (Date.now() - started) / 1000;
    o.log(`registry: ${o.meters.toLocaleString('en-US')} meters registered in ${registerSeconds.toFixed(0)} s`);

    const chain = createChainClient({ rpcUrl: proxy.url, chainId: 31337, deployment });
    const directory = createDirectory();
    proxy.reset();
    const t0 = Date.now();
    const sync = await syncRegistry({ chain, directory, log: () => {}, eventPollMs: EVENT_POLL_MS, fullReadEveryMs: FULL_READ_EVERY_MS });
    const startupSeconds = (Date.now() - t0) / 1000;
    const startupCalls = proxy.total();
    try {
      if (directory.all().length !== o.meters) throw new Error(`registry bench: the directory holds ${directory.all().length} of ${o.meters} meters`);
      proxy.reset();
      await new Promise((r) => setTimeout(r, o.windowSeconds * 1000));
      const steadyCalls = proxy.counts();
      const steady = proxy.total();
      proxy.reset();
      await sync.recheck();
      const safetyNetCalls = proxy.total();
      const callsPerMinute = (steady / o.windowSeconds) * 60 + safetyNetCalls / (FULL_READ_EVERY_MS / 60_000);
      const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
      const rows: BenchRow[] = [
        { area: 'registry', measure: `registry RPC calls per minute at ${fmt(o.meters)} meters (events every ${EVENT_POLL_MS / 1000} s + hourly safety net)`, value: `${callsPerMinute.toFixed(1)}/min`, target: '< 60/min (1/s)', met: callsPerMinute < 60 },
        { area: 'registry', measure: `registry start-up full read, ${fmt(o.meters)} meters`, value: `${fmt(startupCalls)} calls, ${startupSeconds.toFixed(1)} s`, target: '—', met: null },
        { area: 'registry', measure: 'registry safety-net pass (pages + changed + key slice)', value: `${fmt(safetyNetCalls)} calls`, target: '—', met: null },
      ];
      return { meters: o.meters, registerSeconds, startupCalls, startupSeconds, steadyWindowSeconds: o.windowSeconds, steadyCalls, safetyNetCalls, callsPerMinute, rows };
    } finally {
      sync.stop();
      chain.close();
    }
  } finally {
    await proxy.close();
    await anvil.stop();
  }
}

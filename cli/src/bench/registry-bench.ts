// Registry RPC load of one gateway at a large registry (issue #13.4): N meters registered on a
// real anvil, the gateway's registry sync run through a counting JSON-RPC proxy. Measured: the
// calls of the start-up full read, of `windowSeconds` of steady state (the event poll) and of one
// safety-net pass; the per-minute figure is the steady state plus the safety net amortized over
// its period (registry-sync.ts defaults).
import { startAnvil } from '@feedin/contracts/anvil';
import { createChainClient } from '@feedin/contracts/chain-client';
import { deployContracts } from '@feedin/contracts/deploy';
import { SANDBOX_TEST_ADDRESSES, SANDBOX_TEST_KEYS } from '@feedin/contracts/sandbox-test-keys';
import { checksumAddress } from '@feedin/protocol/address';
import type { Hex } from '@feedin/protocol/hex';
import { createDirectory } from '@feedin/gateway/registry/meter-directory';
import { syncRegistry } from '../sandbox/registry-sync.js';
import { startCountingRpcProxy } from './counting-rpc-proxy.js';
import type { BenchRow } from './report.js';

const [deployerKey, , , operatorKey] = SANDBOX_TEST_KEYS as Hex[];
const [, gateway, regulator, operator] = SANDBOX_TEST_ADDRESSES as Hex[];
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

const payeeOf = (n: number) => checksumAddress(`0x${(n + 1).toString(16).padStart(40, '0')}`);

export async function runRegistryBench(o: { meters: number; windowSeconds: number; log: (l: string) => void }): Promise<RegistryBenchResult> {
  const anvil = await startAnvil({ chainId: 31337, gasLimit: 1_000_000_000 });
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
    // registerMeters, 250 meters per transaction; one household per meter, the fleet's shape.
    const operatorChain = createChainClient({ rpcUrl: anvil.rpcUrl, chainId: 31337, deployment, signerKey: operatorKey!, pollingIntervalMs: 50, requestTimeoutMs: 60_000, confirmationTimeoutMs: 300_000 });
    const started = Date.now();
    try {
      const PER_TX = 250; // each well inside the 60 s request bound on a loaded machine
      for (let start = 0; start < o.meters; start += PER_TX) {
        const end = Math.min(o.meters, start + PER_TX);
        const meters = Array.from({ length: end - start }, (_, i) => ({ meterId: `B-${start + i}`, publicKey: KEY, payee: payeeOf(start + i), capacityW: 5000 }));
        await operatorChain.registerMeters(meters);
        if ((start / PER_TX) % 20 === 0) o.log(`registry: ${end.toLocaleString('en-US')} of ${o.meters.toLocaleString('en-US')} meters registered`);
      }
    } finally {
      operatorChain.close();
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

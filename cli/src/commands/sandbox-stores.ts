// What the one-shot audit, payout and report commands open: the gateway's two SQLite files in
// the data dir (a running `feedin up` keeps writing them; SQLite WAL lets this process read
// alongside), a directory filled from the on-chain registry, and a chain client.
import { existsSync } from 'node:fs';
import { portableKeccak256, type Keccak256Implementation } from '@feedin/protocol/keccak';
import { createWasmKeccak256 } from '@feedin/protocol/keccak-wasm';
import type { ChainClient } from '@feedin/contracts/chain-client';
import { createDirectory, type MeterDirectory } from '@feedin/gateway/registry/meter-directory';
import { openSettlementStore, type SettlementStore } from '@feedin/gateway/settlement/settlement-store';
import { openSqliteStore } from '@feedin/gateway/store/sqlite-store';
import type { ReadingStore } from '@feedin/gateway/store/reading-store';
import { CliError } from '../cli-error.js';
import { readRegistryInto } from '../sandbox/registry-sync.js';
import { sandboxChain, sandboxContext, type SandboxContext } from '../sandbox-context.js';

export interface SandboxStores {
  ctx: SandboxContext;
  chain: ChainClient;
  rpcUrl: string;
  store: ReadingStore;
  settlementStore: SettlementStore;
  directory: MeterDirectory;
  /** Keccak-256 for rebuilt trees: WASM when it loads (same bytes, ~4× faster), else portable */
  keccak: Keccak256Implementation;
  close(): Promise<void>;
}

export async function openSandboxStores(opts: { rpcUrl?: string | undefined; role?: 'operator' | 'gateway' } = {}): Promise<SandboxStores> {
  const ctx = await sandboxContext();
  for (const path of [ctx.paths.readingsDb, ctx.paths.settlementDb])
    if (!existsSync(path)) throw new CliError(`no gateway data at ${path}: run 'feedin up' first (or set FEEDIN_DATA_DIR to its data dir)`);
  const { chain, rpcUrl } = await sandboxChain(ctx, { rpcUrl: opts.rpcUrl, role: opts.role });
  const store = openSqliteStore(ctx.paths.readingsDb);
  const settlementStore = openSettlementStore(ctx.paths.settlementDb);
  const close = async () => {
    settlementStore.close();
    await store.close();
    chain.close();
  };
  try {
    // The same read as the gateway's (key history included), so audits see what ingest saw.
    const directory = createDirectory();
    await readRegistryInto(chain, directory, (line) => console.error(line));
    const keccak = (await createWasmKeccak256()) ?? portableKeccak256;
    return { ctx, chain, rpcUrl, store, settlementStore, directory, keccak, close };
  } catch (error) {
    await close();
    throw new CliError(`cannot read the meter registry at ${rpcUrl}: ${(error as Error).message}`);
  }
}

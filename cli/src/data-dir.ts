// Where the embedded sandbox keeps its state, and the small JSON files through which `feedin up`
// tells the other commands (`feedin meter register`, `feedin audit verify`, …) how to reach it.
import { mkdir, readFile, rename, writeFile, open } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.FEEDIN_DATA_DIR ?? '.feedin');
}

export const dataPaths = (root: string) => ({
  root,
  clock: join(root, 'clock.json'),
  runtime: join(root, 'runtime.json'),
  deployment: join(root, 'chain', 'deployment.json'),
  anvilState: join(root, 'chain', 'anvil-state.json'),
  anvilPid: join(root, 'chain', 'anvil.pid'),
  /** every signed transaction the sandbox sends, before it is sent (embedded chain: chain-recovery.ts) */
  txJournal: join(root, 'chain', 'tx-journal.jsonl'),
  /** what starts found the embedded chain had lost in a crash */
  chainRecoveryLog: join(root, 'chain', 'recovery.jsonl'),
  /** the embedded store; with durability jetstream the SQLite view of the shard's log (same tables) */
  readingsDb: join(root, 'gateway', 'readings.db'),
  settlementDb: join(root, 'gateway', 'settlement.db'),
  devices: root, // device-firmware-sim keeps devices/<meterId>/ under the same root
});

/** What a running `feedin up` publishes for the other commands. */
export interface RuntimeInfo {
  pid: number;
  startedAt: string;
  httpUrl: string;
  /** tlsPort and caFile when the MQTT-over-TLS listener runs */
  mqtt: { host: string; port: number; tlsPort?: number; caFile?: string };
  rpcUrl: string;
  chainId: number;
  configPath: string;
}

export async function readJsonFile<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`${path} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

/** Write-then-rename with fsync, so a crash leaves either the old or the new file, never half. */
export async function writeJsonFileAtomic(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  const handle = await open(tmp, 'w', 0o600);
  try {
    await handle.writeFile(JSON.stringify(value, null, 2) + '\n');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
}

export async function writeText(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}

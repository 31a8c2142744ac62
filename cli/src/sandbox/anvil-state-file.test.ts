// A state file torn by a crash mid-write (anvil rewrites it in place) against a real anvil: anvil
// itself refuses it; checkAnvilStateFile puts back the whole copy of the previous start instead.
import { mkdtempSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startAnvil } from '@feedin/contracts/anvil';
import { checkAnvilStateFile } from './anvil-state-file.js';

const rpc = async <T>(url: string, method: string, params: unknown[] = []): Promise<T> => {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return ((await response.json()) as { result: T }).result;
};

describe('checkAnvilStateFile', () => {
  it('keeps a whole copy, and puts it back in place of a torn file so that anvil starts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'feedin-state-'));
    const stateFile = join(dir, 'anvil-state.json');
    const logs: string[] = [];
    expect(await checkAnvilStateFile(stateFile, (l) => logs.push(l))).toBe('none');

    const first = await startAnvil({ stateFile });
    const [from] = await rpc<string[]>(first.rpcUrl, 'eth_accounts');
    const tx = await rpc<string>(first.rpcUrl, 'eth_sendTransaction', [{ from, to: '0x00000000000000000000000000000000000000aa', value: '0x1' }]);
    await first.stop(); // SIGTERM: anvil writes the whole state
    expect(await checkAnvilStateFile(stateFile, (l) => logs.push(l))).toBe('whole');
    expect(readFileSync(`${stateFile}.good`, 'utf8')).toBe(readFileSync(stateFile, 'utf8'));

    // A crash in the middle of anvil's next write: half a file, which anvil will not load.
    const whole = readFileSync(stateFile, 'utf8');
    writeFileSync(stateFile, whole.slice(0, whole.length / 2));
    // (anvil says "failed to parse json file"; its last lines may not be read yet when it exits)
    await expect(startAnvil({ stateFile })).rejects.toThrow(/^anvil exited with code [1-9]\d* before listening/);

    expect(await checkAnvilStateFile(stateFile, (l) => logs.push(l))).toBe('restored-from-copy');
    expect(logs.at(-1)).toMatch(/^chain: RECOVERY: the state file was torn by a crash \(kept as .+\.torn-.+\); starting from the copy made at the previous start/);
    const second = await startAnvil({ stateFile });
    try {
      expect((await rpc<{ transactionHash: string } | null>(second.rpcUrl, 'eth_getTransactionReceipt', [tx]))?.transactionHash).toBe(tx);
    } finally {
      await second.stop();
    }
  }, 60_000);

  it('sets a torn file aside when there is no copy, rather than leave anvil unable to start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'feedin-state-'));
    const stateFile = join(dir, 'anvil-state.json');
    writeFileSync(stateFile, '{"block":{"number":');
    const logs: string[] = [];
    expect(await checkAnvilStateFile(stateFile, (l) => logs.push(l))).toBe('set-aside');
    expect(existsSync(stateFile)).toBe(false);
    expect(logs).toEqual([expect.stringMatching(/^chain: RECOVERY: the state file was torn by a crash and there is no earlier copy: set aside as .+; the chain starts anew$/)]);
  });
});

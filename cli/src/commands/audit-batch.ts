// feedin audit batch <batchId> [--json] [--rpc <url>]
// Rebuilds the batch from the stored signed readings and the sandbox config, and compares both
// roots and the totals with the gateway's record and the settlement contract. Exit 0 when all
// three agree, 1 with a readable diff when not, 2 for unusable input.
import { parseArgs } from 'node:util';
import { rebuildBatch } from '@feedin/gateway/audit/rebuild-batch';
import { CliError } from '../cli-error.js';
import { openSandboxStores } from './sandbox-stores.js';

export async function auditBatch(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { json: { type: 'boolean' }, rpc: { type: 'string' } }, allowPositionals: true });
  const raw = positionals[0];
  if (!raw || !/^[1-9]\d{0,19}$/.test(raw)) throw new CliError('usage: feedin audit batch <batchId> [--json] [--rpc <url>] (batchId: a positive integer)');
  const s = await openSandboxStores({ rpcUrl: values.rpc });
  try {
    const result = await rebuildBatch({ batchId: BigInt(raw), config: s.ctx.config, directory: s.directory, store: s.store, settlementStore: s.settlementStore, chain: s.chain });
    if (!result) throw new CliError(`batch ${raw} is not in the gateway's records (rejected, or not built yet)`, 1);
    if (values.json) {
      console.log(JSON.stringify(result, null, 2));
      return result.ok ? 0 : 1;
    }
    console.log(`batch ${result.batchId} (on chain: ${result.chainStatus})`);
    const rows: Array<[string, string, string, string]> = [['', 'rebuilt', 'recorded', 'on chain']];
    for (const field of ['claimsRoot', 'payoutsRoot', 'claimCount', 'totalExportWh', 'totalAmount'] as const)
      rows.push([field, result.rebuilt[field], result.recorded[field], result.onChain?.[field] ?? '(not on chain)']);
    const width = Math.max(...rows.map((r) => r[0].length));
    for (const [name, ...cells] of rows) console.log(`  ${name.padEnd(width)}  ${cells.map((c) => (c.length > 20 ? c.slice(0, 10) + '…' + c.slice(-8) : c).padEnd(20)).join('  ')}`);
    if (result.ok) console.log('PASS  the rebuild from signed readings equals the record and the chain');
    else {
      for (const d of result.differences) console.log(`DIFF  ${d.field}: rebuilt ${d.rebuilt} | recorded ${d.recorded} | on chain ${d.onChain}`);
      console.log('FAIL  the batch does not rebuild to what is on chain');
    }
    return result.ok ? 0 : 1;
  } finally {
    await s.close();
  }
}

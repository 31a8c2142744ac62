// feedin audit batch <batchId> [--json] [--rpc <url>]
// Rebuilds the batch from the stored signed readings and the sandbox config, and compares both
// roots and the totals with the gateway's record and the settlement contract. Exit 0 when all
// three agree, 1 with a readable diff when not, 2 for unusable input.
import { parseArgs } from 'node:util';
import { rebuildBatch } from '@feedin/gateway/audit/rebuild-batch';
import { CliError } from '../cli-error.js';
import { cliLocale } from '../cli-locale.js';
import { openSandboxStores } from './sandbox-stores.js';

export async function auditBatch(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { json: { type: 'boolean' }, rpc: { type: 'string' } }, allowPositionals: true });
  const raw = positionals[0];
  if (!raw || !/^[1-9]\d{0,19}$/.test(raw)) throw new CliError('usage: feedin audit batch <batchId> [--json] [--rpc <url>] (batchId: a positive integer)');
  const s = await openSandboxStores({ rpcUrl: values.rpc });
  try {
    const result = await rebuildBatch({ batchId: BigInt(raw), config: s.ctx.config, directory: s.directory, store: s.store, settlementStore: s.settlementStore, chain: s.chain, keccak: s.keccak });
    if (!result) throw new CliError(`batch ${raw} is not in the gateway's records (rejected, or not built yet)`, 1);
    if (values.json) {
      console.log(JSON.stringify(result, null, 2));
      return result.ok ? 0 : 1;
    }
    // Human output in the reader's language; energy in kWh and money in the sandbox currency
    // (the --json answer keeps base units and Wh).
    const loc = cliLocale(s.ctx.config);
    const { t } = loc;
    const show = { claimCount: loc.count, totalExportWh: (v: string) => `${loc.kWh(v)} kWh`, totalAmount: loc.money } as Record<string, ((v: string) => string) | undefined>;
    const shown = (field: string, v: string | undefined) => (v === undefined ? t('cli.auditBatch.notOnChain') : (show[field]?.(v) ?? v));
    console.log(t('cli.auditBatch.heading', { batchId: result.batchId, status: t(`status.${result.chainStatus}`, { defaultValue: result.chainStatus }) }));
    const rows: Array<[string, string, string, string]> = [['', t('cli.auditBatch.rebuilt'), t('cli.auditBatch.recorded'), t('cli.auditBatch.onChain')]];
    for (const field of ['claimsRoot', 'payoutsRoot', 'claimCount', 'totalExportWh', 'totalAmount'] as const)
      rows.push([t(`cli.auditBatch.field.${field}`), shown(field, result.rebuilt[field]), shown(field, result.recorded[field]), shown(field, result.onChain?.[field])]);
    const width = Math.max(...rows.map((r) => r[0].length));
    for (const [name, ...cells] of rows) console.log(`  ${name.padEnd(width)}  ${cells.map((c) => (c.length > 20 ? c.slice(0, 10) + '…' + c.slice(-8) : c).padEnd(20)).join('  ')}`);
    if (result.ok) console.log(`${t('cli.tag.pass')}  ${t('cli.auditBatch.pass')}`);
    else {
      for (const d of result.differences) console.log(`${t('cli.tag.diff')}  ${t('cli.auditBatch.diff', { field: d.field, rebuilt: d.rebuilt, recorded: d.recorded, onChain: d.onChain })}`);
      console.log(`${t('cli.tag.fail')}  ${t('cli.auditBatch.fail')}`);
    }
    return result.ok ? 0 : 1;
  } finally {
    await s.close();
  }
}

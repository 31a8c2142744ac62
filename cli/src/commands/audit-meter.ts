// feedin audit meter <meterId> --from <ISO> --to <ISO> [--json] [--rpc <url>]
// The meter's chain of signed readings in the range, re-verified against the registry key, with
// every gap, rejection, capped claim and plausibility flag. Gaps, caps and flags are findings to
// read, not failures: exit 0 when every stored reading still verifies against the registry key,
// 1 when one does not (the evidence itself is broken), 2 for unusable input.
import { parseArgs } from 'node:util';
import { auditMeter, type AuditMeterReturnType } from '@feedin/gateway/audit/audit-meter';
import { CliError } from '../cli-error.js';
import { isoOption, openSandboxStores } from './sandbox-stores.js';
import { isMeterId, METER_ID_RULE } from '@feedin/protocol/meter-id';


export async function auditMeterCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { from: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean' }, rpc: { type: 'string' } },
    allowPositionals: true,
  });
  const meterId = positionals[0];
  if (!isMeterId(meterId)) throw new CliError(`usage: feedin audit meter <meterId> --from <ISO> --to <ISO> [--json] (meterId: ${METER_ID_RULE})`);
  const fromMs = isoOption('from', values.from);
  const toMs = isoOption('to', values.to);
  if (toMs < fromMs) throw new CliError('--to must not be before --from');
  const s = await openSandboxStores({ rpcUrl: values.rpc });
  let result: AuditMeterReturnType;
  try {
    if (!s.directory.get(meterId)) throw new CliError(`meter ${meterId} is not in the on-chain registry`, 1);
    result = await auditMeter({ meterId, fromMs, toMs, store: s.store, settlementStore: s.settlementStore, directory: s.directory, marginPercent: s.ctx.config.limits.plausibilityMarginPercent });
  } finally {
    await s.close();
  }
  const clean = result.summary.invalidSignatures === 0;
  if (values.json) console.log(JSON.stringify(result, null, 2));
  else printTable(result);
  return clean ? 0 : 1;
}

function printTable(r: AuditMeterReturnType): void {
  const iso = (ms: number) => new Date(ms).toISOString();
  console.log(`meter ${r.meterId}  ${iso(r.fromMs)} … ${iso(r.toMs)}  capacity ${r.capacityW ?? '?'} W  key ${r.publicKey ?? '(none)'}`);
  console.log('  PG        time                      import Wh   export Wh   clock  status  signature');
  for (const x of r.readings)
    console.log(`  F${String(x.pagination).padEnd(8)}${iso(x.timestampMs).padEnd(26)}${x.importWh.padStart(9)}   ${x.exportWh.padStart(9)}   ${x.clockStatus.padEnd(5)}  ${x.meterStatus.padEnd(6)}  ${x.signature}`);
  for (const g of r.gaps) console.log(`GAP        F${g.afterPagination} → F${g.beforePagination}: ${g.missing} reading(s) missing between ${iso(g.fromMs)} and ${iso(g.toMs)}`);
  for (const o of r.outages) console.log(`OUTAGE     the sandbox was down from ${iso(o.fromMs)} to ${iso(o.toMs)}: no meter was read`);
  for (const x of r.rejections) console.log(`REJECTED   ${x.pagination === null ? '?' : `F${x.pagination}`} at ${iso(x.receivedAtMs)} via ${x.source}: ${x.reason} — ${x.detail}`);
  for (const c of r.cappedClaims) console.log(`CAPPED     batch ${c.batchId} ${iso(c.intervalStartMs)}: ${c.paidWh} of ${c.exportWh} Wh paid, amount ${c.amount} [${c.flags.join(', ')}]`);
  for (const f of r.findings) console.log(`FLAG       ${f.flag}: ${f.detail}`);
  const s = r.summary;
  console.log(
    `${s.readings} readings, ${s.invalidSignatures} invalid signatures, ${s.gaps} gaps (${s.missingReadings} missing), ${s.outages} sandbox outages, ${s.rejections} rejections, ` +
      `${r.claimCount} claims (${s.cappedClaims} capped), ${s.findings} plausibility flags`,
  );
}

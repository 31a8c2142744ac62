// feedin audit meter <meterId> --from <ISO> --to <ISO> [--json] [--rpc <url>]   (no offset = sandbox-local)
// The meter's chain of signed readings in the range, re-verified against the registry key, with
// every gap, rejection, capped claim and plausibility flag. Gaps, caps and flags are findings to
// read, not failures: exit 0 when every stored reading still verifies against the registry key,
// 1 when one does not (the evidence itself is broken), 2 for unusable input.
import { parseArgs } from 'node:util';
import { auditMeter, type AuditMeterReturnType } from '@feedin/gateway/audit/audit-meter';
import { CliError } from '../cli-error.js';
import { cliLocale, sandboxTimeOption, type CliLocale } from '../cli-locale.js';
import { loadSandboxConfig } from '../sandbox-context.js';
import { openSandboxStores } from './sandbox-stores.js';
import { isMeterId, METER_ID_RULE } from '@feedin/protocol/meter-id';


export async function auditMeterCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { from: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean' }, rpc: { type: 'string' } },
    allowPositionals: true,
  });
  const meterId = positionals[0];
  if (!isMeterId(meterId)) throw new CliError(`usage: feedin audit meter <meterId> --from <ISO> --to <ISO> [--json] (meterId: ${METER_ID_RULE}; a time without offset is sandbox-local)`);
  // Times without an offset are the sandbox's local time (docs/design.md §Clocks).
  const { timeZone } = loadSandboxConfig().config.sandbox;
  if (!values.from) throw new CliError('missing --from <ISO 8601 time>');
  if (!values.to) throw new CliError('missing --to <ISO 8601 time>');
  const fromMs = sandboxTimeOption('from', values.from, timeZone);
  const toMs = sandboxTimeOption('to', values.to, timeZone);
  if (toMs < fromMs) throw new CliError('--to must not be before --from');
  const s = await openSandboxStores({ rpcUrl: values.rpc });
  let result: AuditMeterReturnType;
  const loc = cliLocale(s.ctx.config);
  try {
    if (!s.directory.get(meterId)) throw new CliError(`meter ${meterId} is not in the on-chain registry`, 1);
    result = await auditMeter({ meterId, fromMs, toMs, store: s.store, settlementStore: s.settlementStore, directory: s.directory, marginPercent: s.ctx.config.limits.plausibilityMarginPercent });
  } finally {
    await s.close();
  }
  const clean = result.summary.invalidSignatures === 0;
  if (values.json) console.log(JSON.stringify(result, null, 2));
  else printTable(result, loc);
  return clean ? 0 : 1;
}

/** Human output: sandbox-local times with the zone named once in the heading, registers in
 * kWh (exact, 3 decimals), money in the sandbox currency, in the reader's language. */
function printTable(r: AuditMeterReturnType, loc: CliLocale): void {
  const { t } = loc;
  const tags = ['gap', 'outage', 'rejected', 'capped', 'flag'] as const;
  const width = Math.max(...tags.map((k) => t(`cli.tag.${k}`).length)) + 2;
  const tag = (k: (typeof tags)[number]) => t(`cli.tag.${k}`).padEnd(width);
  console.log(
    t('cli.auditMeter.heading', {
      meterId: r.meterId,
      from: loc.time(r.fromMs),
      to: loc.time(r.toMs),
      zone: loc.zone(r.fromMs),
      capacity: r.capacityW === undefined || r.capacityW === null ? '?' : loc.kW(r.capacityW),
      key: r.publicKey ?? t('cli.auditMeter.noKey'),
    }),
  );
  const times = r.readings.map((x) => loc.time(x.timestampMs));
  const timeWidth = Math.max(t('cli.auditMeter.col.time').length, ...times.map((x) => x.length)) + 2;
  const columns = [t('cli.auditMeter.col.import'), t('cli.auditMeter.col.export')];
  const kWhWidth = Math.max(12, ...columns.map((c) => c.length));
  console.log(`  ${'PG'.padEnd(9)}${t('cli.auditMeter.col.time').padEnd(timeWidth)}${columns.map((c) => c.padStart(kWhWidth)).join('  ')}  ${t('cli.auditMeter.col.rest')}`);
  r.readings.forEach((x, i) =>
    console.log(
      `  F${String(x.pagination).padEnd(8)}${times[i]!.padEnd(timeWidth)}${loc.kWh(x.importWh).padStart(kWhWidth)}  ${loc.kWh(x.exportWh).padStart(kWhWidth)}  ${x.clockStatus.padEnd(5)}  ${x.meterStatus.padEnd(6)}  ${t(`cli.signature.${x.signature}`, { defaultValue: x.signature })}`,
    ),
  );
  for (const g of r.gaps) console.log(`${tag('gap')}${t('cli.auditMeter.gap', { after: g.afterPagination, before: g.beforePagination, count: g.missing, from: loc.time(g.fromMs), to: loc.time(g.toMs) })}`);
  for (const o of r.outages) console.log(`${tag('outage')}${t('cli.auditMeter.outage', { from: loc.time(o.fromMs), to: loc.time(o.toMs) })}`);
  for (const x of r.rejections)
    console.log(`${tag('rejected')}${t('cli.auditMeter.rejected', { pg: x.pagination === null ? '?' : `F${x.pagination}`, at: loc.time(x.receivedAtMs), source: x.source, reason: x.reason, detail: x.detail })}`);
  for (const c of r.cappedClaims)
    console.log(`${tag('capped')}${t('cli.auditMeter.capped', { batchId: c.batchId, at: loc.time(c.intervalStartMs), paid: loc.kWh(c.paidWh), exported: loc.kWh(c.exportWh), amount: loc.money(c.amount), flags: c.flags.join(', ') })}`);
  for (const f of r.findings) console.log(`${tag('flag')}${f.flag}: ${f.detail}`);
  const s = r.summary;
  console.log(
    [
      t('cli.auditMeter.sum.readings', { count: s.readings }),
      t('cli.auditMeter.sum.invalid', { count: s.invalidSignatures }),
      t('cli.auditMeter.sum.gaps', { count: s.gaps, missing: s.missingReadings }),
      t('cli.auditMeter.sum.outages', { count: s.outages }),
      t('cli.auditMeter.sum.rejections', { count: s.rejections }),
      t('cli.auditMeter.sum.claims', { count: r.claimCount, capped: s.cappedClaims }),
      t('cli.auditMeter.sum.flags', { count: s.findings }),
    ].join(', '),
  );
}

// feedin report daily --date YYYY-MM-DD [--format csv|json] [--out <file>] [--rpc <url>]
// The regulator's daily report (gateway/src/reports/daily-report.ts). Exit 0 when the report adds
// up (claims = totals on chain = withdrawals + outstanding), 1 when it does not, 2 bad input.
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { buildDailyReport, localDayRange } from '@feedin/gateway/reports/daily-report';
import { dailyReportCsv } from '@feedin/gateway/reports/daily-report-csv';
import { CliError } from '../cli-error.js';
import { verbError, type CommandHelp } from '../command-line.js';
import { cliLocale } from '../cli-locale.js';
import { openSandboxStores } from './sandbox-stores.js';

const USAGE = 'usage: feedin report daily --date YYYY-MM-DD [--format csv|json] [--out <file>] [--rpc <url>]';

const DAILY = `${USAGE}

The regulator's daily report for a sandbox-local day: claims, totals on chain, withdrawals and
what is outstanding, per household (docs/audit.md). CSV by default.
Exit: 0 it adds up, 1 it does not (the failed checks on standard error), 2 bad input.`;
export const help: CommandHelp = { usage: DAILY, verbs: { daily: DAILY } };

export async function report(argv: string[]): Promise<number> {
  const [kind, ...rest] = argv;
  if (kind !== 'daily') throw verbError('report', kind, help);
  const { values } = parseArgs({ args: rest, options: { date: { type: 'string' }, format: { type: 'string', default: 'csv' }, out: { type: 'string' }, rpc: { type: 'string' } } });
  if (!values.date) throw new CliError("missing --date YYYY-MM-DD (a sandbox-local day; see 'feedin report daily --help')");
  if (values.format !== 'csv' && values.format !== 'json') throw new CliError(`--format: csv or json, got ${JSON.stringify(values.format)}`);
  const s = await openSandboxStores({ rpcUrl: values.rpc });
  try {
    const { config } = s.ctx;
    try {
      localDayRange(values.date, config.sandbox.utcOffsetMinutes);
    } catch (error) {
      throw new CliError(`--date: ${(error as Error).message}`);
    }
    const daily = await buildDailyReport({
      date: values.date,
      utcOffsetMinutes: config.sandbox.utcOffsetMinutes,
      households: config.participants.households,
      settlementStore: s.settlementStore,
      store: s.store,
      chain: s.chain,
    });
    const text = values.format === 'csv' ? dailyReportCsv(daily) : JSON.stringify(daily, null, 2) + '\n';
    if (values.out) await writeFile(values.out, text);
    else process.stdout.write(text);
    const { t } = cliLocale(config);
    for (const check of daily.checks) if (!check.ok) console.error(`feedin: ${t('cli.report.doesNotAddUp', { name: check.name, detail: check.detail })}`);
    return daily.ok ? 0 : 1;
  } finally {
    await s.close();
  }
}

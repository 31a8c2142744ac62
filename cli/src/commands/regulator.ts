// feedin regulator pause|resume|freeze <batchId>|approve <batchId>|reject <batchId>|
//   suspend-meter <meterId> [--from <ISO>]|end-sandbox --reason <text>   (and `audit-log`)
// Acts with the regulator key of the sandbox in FEEDIN_DATA_DIR, records keccak256(reason) on chain
// and appends to the same audit log the API writes. Prints the audit entry as JSON.
import { parseArgs } from 'node:util';
import { auditLogPath, openAuditLog, type AuditEntry } from '@feedin/gateway/governance/audit-log';
import { createRegulatorActions, GovernanceError, type RegulatorActions } from '@feedin/gateway/governance/regulator-actions';
import { CliError } from '../cli-error.js';
import { sandboxTimeOption } from '../cli-locale.js';
import { sandboxChain, sandboxContext } from '../sandbox-context.js';
import { sandboxNowMs } from '../sandbox-now.js';

const USAGE =
  'usage: feedin regulator pause|resume|end-sandbox --reason <text>\n' +
  '       feedin regulator freeze|approve|reject <batchId> --reason <text>\n' +
  '       feedin regulator suspend-meter <meterId> [--from <ISO 8601>] --reason <text>\n' +
  '       feedin regulator audit-log';

export async function regulator(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { reason: { type: 'string' }, from: { type: 'string' }, rpc: { type: 'string' } },
  });
  const ctx = await sandboxContext();
  const auditLog = openAuditLog(auditLogPath(ctx.paths.root));
  if (verb === 'audit-log') {
    for (const entry of await auditLog.list()) console.log(JSON.stringify(entry));
    return 0;
  }
  const run = plan(verb, positionals, values, ctx.config.sandbox.timeZone);
  if (!values.reason) throw new CliError(`missing --reason <text> (its keccak256 is recorded on chain)\n${USAGE}`);
  const { chain } = await sandboxChain(ctx, { rpcUrl: values.rpc, role: 'regulator' });
  // Both clocks are read once per command: the sandbox's for --from defaults and the log.
  const nowMs = await sandboxNowMs(ctx);
  const wallMs = Date.now();
  const actions = createRegulatorActions({ chain, clock: { nowMs: () => nowMs, wallNowMs: () => wallMs }, auditLog, via: 'cli' });
  try {
    console.log(JSON.stringify(await run(actions, values.reason)));
    return 0;
  } catch (error) {
    if (error instanceof GovernanceError) throw new CliError(error.message, error.code === 'invalid-parameter' ? 2 : 1);
    throw error;
  } finally {
    chain.close();
  }
}

type Run = (actions: RegulatorActions, reason: string) => Promise<AuditEntry>;

function plan(verb: string | undefined, positionals: string[], values: { from?: string | undefined }, timeZone: string): Run {
  const one = (what: string): string => {
    if (positionals.length !== 1) throw new CliError(`${verb} needs exactly one ${what}\n${USAGE}`);
    return positionals[0]!;
  };
  const none = () => {
    if (positionals.length > 0) throw new CliError(`${verb} takes no positional arguments\n${USAGE}`);
  };
  if (verb !== 'suspend-meter' && values.from !== undefined) throw new CliError(`--from belongs to suspend-meter\n${USAGE}`);
  switch (verb) {
    case 'pause':
      none();
      return (a, r) => a.pause(r);
    case 'resume':
      none();
      return (a, r) => a.resume(r);
    case 'end-sandbox':
      none();
      return (a, r) => a.endSandbox(r);
    case 'freeze':
    case 'approve':
    case 'reject': {
      const batchId = one('<batchId>');
      return (a, r) => a[verb](batchId, r);
    }
    case 'suspend-meter': {
      const meterId = one('<meterId>');
      // Without an offset, --from is the sandbox's local time.
      const fromMs = values.from === undefined ? undefined : sandboxTimeOption('from', values.from, timeZone);
      return (a, r) => a.suspendMeter(meterId, r, fromMs);
    }
    default:
      throw new CliError(USAGE);
  }
}

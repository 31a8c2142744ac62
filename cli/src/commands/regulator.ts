// feedin regulator pause|resume|freeze <batchId>|approve <batchId>|reject <batchId>|
//   suspend-meter <meterId> [--from <ISO>]|end-sandbox --reason <text>   (and `audit-log`)
// Acts with the regulator key of the sandbox in FEEDIN_DATA_DIR, records keccak256(reason) on chain
// and appends to the same audit log the API writes. Prints the audit entry as JSON.
import { parseArgs } from 'node:util';
import { auditLogPath, openAuditLog, type AuditEntry } from '@feedin/gateway/governance/audit-log';
import { createRegulatorActions, GovernanceError, type RegulatorActions } from '@feedin/gateway/governance/regulator-actions';
import { CliError } from '../cli-error.js';
import { EXIT, verbError, type CommandHelp } from '../command-line.js';
import { sandboxTimeOption } from '../cli-locale.js';
import { sandboxChain, sandboxContext } from '../sandbox-context.js';
import { sandboxNowMs } from '../sandbox-now.js';

const ACTS = 'Acts with the regulator key of the sandbox in FEEDIN_DATA_DIR, records keccak256(reason) on chain\nand appends the attempt to the audit log; prints the audit entry as JSON.';
const EXIT_LINE = 'Exit: 0 done, 1 the chain refused (the reason in words), 2 bad input, 3 chain unreachable.';
const verbHelp = (usage: string, what: string) => `usage: feedin regulator ${usage} [--rpc <url>]\n\n${what}\n${ACTS}\n${EXIT_LINE}`;

export const help: CommandHelp = {
  usage: `usage: feedin regulator pause|resume|end-sandbox --reason <text>
       feedin regulator freeze|approve|reject <batchId> --reason <text>
       feedin regulator suspend-meter <meterId> [--from <ISO 8601>] --reason <text>
       feedin regulator audit-log

${ACTS}
'feedin regulator <command> --help' for each (docs/governance.md).`,
  verbs: {
    pause: verbHelp('pause --reason <text>', 'Pauses settlement: no batch is submitted or withdrawn, and the challenge clock stops.'),
    resume: verbHelp('resume --reason <text>', 'Resumes settlement after a pause.'),
    'end-sandbox': verbHelp('end-sandbox --reason <text>', "Ends the sandbox at the sandbox clock's now: later intervals are never settled."),
    freeze: verbHelp('freeze <batchId> --reason <text>', 'Freezes a pending batch (and so every later one) until it is approved or rejected.'),
    approve: verbHelp('approve <batchId> --reason <text>', 'Approves a frozen batch: it becomes final unless an earlier batch is frozen.'),
    reject: verbHelp('reject <batchId> --reason <text>', 'Rejects a frozen batch and every later pending one; the gateway rebuilds them.'),
    'suspend-meter': verbHelp('suspend-meter <meterId> [--from <ISO 8601>] --reason <text>', "Suspends a meter from --from on (default: the sandbox clock's now)."),
    'audit-log': 'usage: feedin regulator audit-log\n\nPrints the regulator audit log of the sandbox in FEEDIN_DATA_DIR, one JSON entry per line.',
  },
};

export async function regulator(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === undefined || !help.verbs![verb]) throw verbError('regulator', verb, help);
  const usage = `(see 'feedin regulator ${verb} --help')`;
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
  const run = plan(verb, positionals, values, usage, ctx.config.sandbox.timeZone);
  if (!values.reason) throw new CliError(`missing --reason <text> (its keccak256 is recorded on chain) ${usage}`);
  const { chain } = await sandboxChain(ctx, { rpcUrl: values.rpc, role: 'regulator' });
  // Both clocks are read once per command: the sandbox's for --from defaults and the log.
  const nowMs = await sandboxNowMs(ctx);
  const wallMs = Date.now();
  const actions = createRegulatorActions({ chain, clock: { nowMs: () => nowMs, wallNowMs: () => wallMs }, auditLog, via: 'cli' });
  try {
    console.log(JSON.stringify(await run(actions, values.reason)));
    return 0;
  } catch (error) {
    if (error instanceof GovernanceError) throw new CliError(error.message, error.code === 'invalid-parameter' ? EXIT.usage : error.code === 'refused' ? EXIT.failed : EXIT.unavailable);
    throw error;
  } finally {
    chain.close();
  }
}

type Run = (actions: RegulatorActions, reason: string) => Promise<AuditEntry>;

function plan(verb: string, positionals: string[], values: { from?: string | undefined }, usage: string, timeZone: string): Run {
  const one = (what: string): string => {
    if (positionals.length !== 1) throw new CliError(`${verb} needs exactly one ${what} ${usage}`);
    return positionals[0]!;
  };
  const none = () => {
    if (positionals.length > 0) throw new CliError(`${verb} takes no positional arguments ${usage}`);
  };
  if (verb !== 'suspend-meter' && values.from !== undefined) throw new CliError(`--from belongs to suspend-meter ${usage}`);
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
      throw new CliError(`unknown regulator command '${verb}' ${usage}`);
  }
}

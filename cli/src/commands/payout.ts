// feedin payout show|withdraw --payee <address>, feedin payout sweep
// Withdrawals against the newest final batch of the running (or stopped) embedded sandbox. The
// operator key sends and pays the gas; the tokens always go to the payee (docs/design.md
// §Withdrawals: anyone may trigger a withdrawal for a payee). Exit 0 paid (or shown), 1 nothing
// paid, 2 unusable input.
import { parseArgs } from 'node:util';
import type { Hex } from '@feedin/protocol/hex';
import { sweepPayouts, withdrawPayout } from '@feedin/gateway/audit/withdraw-payout';
import { createSettlementQueries } from '@feedin/gateway/settlement/queries';
import { CliError } from '../cli-error.js';
import { verbError, type CommandHelp } from '../command-line.js';
import { openSandboxStores } from './sandbox-stores.js';

const USAGE = 'usage: feedin payout show --payee <address> | withdraw --payee <address> [--shard <n>] | sweep   [--rpc <url>] [--json]';

const COMMON = '  --rpc <url>   chain RPC (default: the running sandbox\'s)\n  --json        indented JSON';
export const help: CommandHelp = {
  usage: `${USAGE}

Withdrawals against the newest final batch of the sandbox in FEEDIN_DATA_DIR; the operator key pays
the gas, the tokens go to the payee. 'feedin payout <command> --help' for each (docs/audit.md).`,
  verbs: {
    show: `usage: feedin payout show --payee <address> [--rpc <url>] [--json]\n\nPrints what a payee has earned, withdrawn and may withdraw, with the payouts proof.\n${COMMON}`,
    withdraw: `usage: feedin payout withdraw --payee <address> [--shard <n>] [--rpc <url>] [--json]\n\nWithdraws cumulative − already withdrawn for the payee, from every shard with a balance (one\ntransaction) or from --shard only.\n  --shard <n>   only this shard (default: all with a balance)\n${COMMON}\nExit: 0 paid, 1 nothing paid (the reason in words), 2 bad input, 3 chain unreachable.`,
    sweep: `usage: feedin payout sweep [--rpc <url>] [--json]\n\nWithdraws for every payee of the sandbox with something due.\n${COMMON}\nExit: 0 all paid, 1 a withdrawal failed.`,
  },
};

export async function payout(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb !== 'show' && verb !== 'withdraw' && verb !== 'sweep') throw verbError('payout', verb, help);
  const { values } = parseArgs({ args: rest, options: { payee: { type: 'string' }, shard: { type: 'string' }, rpc: { type: 'string' }, json: { type: 'boolean' } } });
  if (values.shard !== undefined && (verb !== 'withdraw' || !/^(0|[1-9]\d{0,9})$/.test(values.shard) || Number(values.shard) > 0xffff_ffff))
    throw new CliError(verb !== 'withdraw' ? '--shard: only for withdraw' : '--shard: a shard number, an integer from 0 to 4294967295');
  const shard = values.shard === undefined ? undefined : Number(values.shard);
  let payee: Hex | undefined;
  if (verb !== 'sweep') {
    if (!values.payee || !/^0x[0-9a-fA-F]{40}$/.test(values.payee)) throw new CliError('--payee: an EVM address (0x + 40 hex digits)');
    payee = values.payee as Hex;
  }
  const s = await openSandboxStores({ rpcUrl: values.rpc, role: 'operator' });
  try {
    // This data dir's store holds the batches of its gateway's shard (config gateway.shard).
    const queries = createSettlementQueries({ settlementStore: s.settlementStore, store: s.store, directory: s.directory, shard: s.ctx.config.gateway.shard, keccak: s.keccak });
    const print = (value: unknown) => console.log(JSON.stringify(value, null, values.json ? 2 : undefined));
    if (verb === 'show') {
      print(await queries.payoutOf(payee!, s.chain));
      return 0;
    }
    if (verb === 'withdraw') {
      const result = await withdrawPayout({ payee: payee!, queries, chain: s.chain, ...(shard === undefined ? {} : { shard }) });
      if (result.ok) {
        print(result);
        return 0;
      }
      console.error(`feedin: ${result.detail}`);
      print({ ok: false, payee: result.payee, reason: result.reason, detail: result.detail });
      return 1;
    }
    // Every payee the sandbox knows: the config's households and the registry's meters.
    const payees = [...s.ctx.config.participants.households.map((h) => h.payee as Hex), ...s.directory.all().map((m) => m.payee)];
    const result = await sweepPayouts({ payees, queries, chain: s.chain });
    print(result);
    for (const f of result.failed) console.error(`feedin: ${f.payee}: ${f.detail}`);
    return result.failed.length === 0 ? 0 : 1;
  } finally {
    await s.close();
  }
}

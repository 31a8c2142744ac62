// feedin audit verify <bundle.json> [--rpc <url>]
// An independent check of one paid claim: it trusts only the bundle's bytes and the chain. The
// meter's key history comes from the on-chain registry (each reading is checked with the key valid
// at its TM) and the claims root from the settlement contract;
// every other check is the pure one the browser runs too (@feedin/protocol/audit-bundle).
import { parseArgs } from 'node:util';
import { checkAuditBundle, type AuditBundle } from '@feedin/protocol/audit-bundle';
import { auditBundleShapeProblem } from '@feedin/protocol/audit-bundle-shape';
import { bracketFindings } from '@feedin/protocol/plausibility';
import { createChainClient } from '@feedin/contracts/chain-client';
import { keyPeriodFromSeconds, type KeyPeriod } from '@feedin/protocol/key-history';
import type { Hex } from '@feedin/protocol/hex';
import { CliError } from '../cli-error.js';
import { verbError, type CommandHelp } from '../command-line.js';
import { cliLocaleFromEnv } from '../cli-locale.js';
import { readInput } from '../read-input.js';

const VERBS = {
  verify: `usage: feedin audit verify <bundle.json|-> [--rpc <url>] [--json]

Checks one claim using only its audit bundle (GET /api/batches/:batchId/claims/:meterId/audit) and
the chain: the meter key from the registry, the claims root from the settlement contract (at the
bundle's RPC URL, or --rpc), both OCMF signatures and digests, the arithmetic, the leaf and proof.
Exit: 0 every check passes, 1 a check fails, 2 not an audit bundle (e.g. a saved API error).`,
  batch: `usage: feedin audit batch <batchId> [--json] [--rpc <url>]

Rebuilds a batch from the stored signed readings and compares both roots and the totals with the
gateway's record and the chain. Exit: 0 equal, 1 with a difference, 2 bad input.`,
  meter: `usage: feedin audit meter <meterId> --from <ISO> --to <ISO> [--json] [--rpc <url>]

A meter's chain of signed readings in the range, re-verified against the registry key, with gaps,
rejections, capped claims and plausibility flags. Exit: 0 every reading verifies, 1 one does not.`,
};

export const help: CommandHelp = {
  usage: `usage: feedin audit verify <bundle.json> | batch <batchId> | meter <meterId> --from <ISO> --to <ISO>

  verify   check one claim's audit bundle against the chain (exit 0 verified, 1 not, 2 not a bundle)
  batch    rebuild a batch from the stored signed readings and compare with the record and the chain
  meter    a meter's reading chain: gaps, rejections, caps, plausibility flags
'feedin audit <verify|batch|meter> --help' for each (docs/audit.md).`,
  verbs: VERBS,
};

export async function audit(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === 'batch') return (await import('./audit-batch.js')).auditBatch(rest);
  if (verb === 'meter') return (await import('./audit-meter.js')).auditMeterCommand(rest);
  if (verb !== 'verify') throw verbError('audit', verb, help);
  const { values, positionals } = parseArgs({ args: rest, options: { rpc: { type: 'string' }, json: { type: 'boolean' } }, allowPositionals: true });

  const source = positionals[0];
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readInput(source, 'audit bundle'));
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`${source} is not an audit bundle: not JSON (${(error as Error).message})`);
  }
  // Something else saved by mistake (an API error answer, another endpoint's JSON) is unusable
  // input, not a failed audit: nothing in it could be checked.
  const notBundle = notAnAuditBundle(parsed);
  if (notBundle) throw new CliError(`${source} is not an audit bundle: ${notBundle}`);
  const bundle = parsed as AuditBundle;
  const onChain = await readChain(bundle, values.rpc);
  const result = checkAuditBundle(bundle, onChain);
  const checks = [...onChain.checks, ...result.checks];
  const ok = result.ok && onChain.checks.every((c) => c.ok);
  // Plausibility: what a valid signature cannot show. Warnings only, they do not change the exit code.
  const readings = (bundle as Partial<AuditBundle>)?.readings;
  const warnings = typeof readings?.opening === 'string' && typeof readings.closing === 'string' ? bracketFindings(readings.opening, readings.closing, { capacityW: onChain.capacityW }) : [];

  if (values.json) console.log(JSON.stringify({ ok, checks, warnings }, null, 2));
  else {
    // Human output in the reader's language (check ids and details stay as the checks give them).
    const { t } = cliLocaleFromEnv();
    const tag = (key: string) => t(key).padEnd(Math.max(...['cli.tag.pass', 'cli.tag.fail', 'cli.tag.warn'].map((k) => t(k).length)));
    for (const check of checks) console.log(`${tag(check.ok ? 'cli.tag.pass' : 'cli.tag.fail')}  ${check.name.padEnd(20)} ${check.detail}`);
    for (const w of warnings) console.log(`${tag('cli.tag.warn')}  ${w.flag.padEnd(20)} ${w.detail}`);
    console.log(t(ok ? 'cli.auditVerify.verified' : 'cli.auditVerify.notVerified'));
  }
  return ok ? 0 : 1;
}

function notAnAuditBundle(value: unknown): string | undefined {
  const apiError = (value as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  if (apiError && typeof apiError.message === 'string')
    return `it is an error answer of the API (${String(apiError.code)}: ${apiError.message}); fetch the bundle again from GET /api/batches/:batchId/claims/:meterId/audit`;
  return auditBundleShapeProblem(value);
}

interface ChainView {
  keyHistory?: KeyPeriod[];
  claimsRootOnChain?: Hex;
  /** installed capacity from the registry, for the export plausibility flag */
  capacityW?: number;
  checks: Array<{ name: string; ok: boolean; detail: string }>;
}

/** Reads the registry key and the stored root. Failures become failed checks, not crashes. */
async function readChain(bundle: AuditBundle, rpcOverride: string | undefined): Promise<ChainView> {
  const chainInfo = bundle?.chain;
  const rpcUrl = rpcOverride ?? chainInfo?.rpcUrl;
  if (!chainInfo || !rpcUrl) return { checks: [{ name: 'chain', ok: false, detail: 'the bundle names no chain and no --rpc was given' }] };
  const chain = createChainClient({
    rpcUrl,
    chainId: chainInfo.chainId,
    deployment: { chainId: chainInfo.chainId, registry: chainInfo.registry, settlement: chainInfo.settlement, token: chainInfo.token, deployedAtBlock: 0, evmVersion: 'unknown' },
  });
  const checks: ChainView['checks'] = [];
  const view: ChainView = { checks };
  try {
    const [meter, keys] = await Promise.all([chain.meter(bundle.claim.meterId), chain.meterKeys(bundle.claim.meterId)]);
    if (meter && keys) {
      // Registry keys are secp256k1 (MeterRegistry: 33-byte SEC1 compressed points).
      view.keyHistory = keys.map((k) => keyPeriodFromSeconds({ curve: 'secp256k1', point: k.publicKey }, k.validFromSec, k.revokedFromSec));
      view.capacityW = meter.capacityW;
      checks.push({ name: 'registry-key', ok: true, detail: `meter ${meter.meterId}: ${keys.length} key(s) read from registry ${chainInfo.registry}` });
    } else checks.push({ name: 'registry-key', ok: false, detail: `meter ${bundle.claim.meterId} is not in registry ${chainInfo.registry}` });
    const batch = await chain.batch(BigInt(bundle.batch.batchId), bundle.batch.shard ?? 0);
    if (batch) {
      view.claimsRootOnChain = batch.claimsRoot;
      // A rejected batch keeps its root readable on chain, but nothing in it is paid.
      const status = batch.final ? 'final' : batch.status;
      checks.push({
        name: 'batch-status',
        ok: status !== 'rejected',
        detail: status === 'rejected' ? `batch ${bundle.batch.batchId} was rejected by the regulator: its claims are not paid` : `batch ${bundle.batch.batchId} is ${status} on chain${status === 'final' ? '' : ' (not final yet: withdrawals wait)'}`,
      });
    } else checks.push({ name: 'batch-on-chain', ok: false, detail: `batch ${bundle.batch.batchId} is not on chain at ${chainInfo.settlement}` });
  } catch (error) {
    checks.push({ name: 'chain', ok: false, detail: `cannot read the chain at ${rpcUrl}: ${(error as Error).message}` });
  } finally {
    chain.close?.();
  }
  return view;
}

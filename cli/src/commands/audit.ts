// feedin audit verify <bundle.json> [--rpc <url>]
// An independent check of one paid claim: it trusts only the bundle's bytes and the chain. The
// meter key comes from the on-chain registry and the claims root from the settlement contract;
// every other check is the pure one the browser runs too (@feedin/protocol/audit-bundle).
import { parseArgs } from 'node:util';
import { checkAuditBundle, type AuditBundle } from '@feedin/protocol/audit-bundle';
import { bracketFindings } from '@feedin/protocol/plausibility';
import { createChainClient } from '@feedin/contracts/chain-client';
import type { PublicKey } from '@feedin/protocol/public-key';
import type { Hex } from '@feedin/protocol/hex';
import { CliError } from '../cli-error.js';
import { cliLocaleFromEnv } from '../cli-locale.js';
import { readInput } from '../read-input.js';

export async function audit(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === 'batch') return (await import('./audit-batch.js')).auditBatch(rest);
  if (verb === 'meter') return (await import('./audit-meter.js')).auditMeterCommand(rest);
  if (verb !== 'verify') throw new CliError('usage: feedin audit verify <bundle.json> | batch <batchId> | meter <meterId> --from <ISO> --to <ISO>');
  const { values, positionals } = parseArgs({ args: rest, options: { rpc: { type: 'string' }, json: { type: 'boolean' } }, allowPositionals: true });

  let bundle: AuditBundle;
  try {
    bundle = JSON.parse(await readInput(positionals[0], 'audit bundle')) as AuditBundle;
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`the audit bundle is not JSON: ${(error as Error).message}`);
  }
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

interface ChainView {
  publicKey?: PublicKey;
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
    const meter = await chain.meter(bundle.claim.meterId);
    if (meter) {
      view.publicKey = { curve: 'secp256k1', point: meter.publicKey };
      view.capacityW = meter.capacityW;
      checks.push({ name: 'registry-key', ok: true, detail: `meter ${meter.meterId} key read from registry ${chainInfo.registry}` });
    } else checks.push({ name: 'registry-key', ok: false, detail: `meter ${bundle.claim.meterId} is not in registry ${chainInfo.registry}` });
    const batch = await chain.batch(BigInt(bundle.batch.batchId));
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

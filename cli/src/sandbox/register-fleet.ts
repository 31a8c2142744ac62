// Registers the sandbox file's meters in the on-chain registry with their devices' public keys,
// once: meters already registered are left alone (a restart re-registers nothing).
import type { ChainClient } from '@feedin/contracts/chain-client';
import type { Hex } from '@feedin/protocol/hex';
import { bytesToHex } from '@feedin/protocol/hex';
import type { SandboxConfig } from '@feedin/sandbox-config/schema';
import { CliError } from '../cli-error.js';

export async function registerFleet(opts: { config: SandboxConfig; chain: ChainClient; publicKeys: Map<string, Uint8Array>; log: (line: string) => void }): Promise<number> {
  const { config, chain, publicKeys, log } = opts;
  const registered = new Map((await chain.meters()).map((m) => [m.meterId, m]));
  const payeeOf = new Map(config.participants.households.map((h) => [h.id, h.payee as Hex]));
  // Sent together: the transaction sender orders nonces, and the receipts are awaited in parallel,
  // so 20 meters take a block or two rather than one block each.
  const pending: Array<Promise<unknown>> = [];
  for (const meter of config.meters) {
    const publicKey = publicKeys.get(meter.id);
    if (!publicKey) throw new CliError(`no device key for meter ${meter.id}`);
    const existing = registered.get(meter.id);
    if (existing) {
      if (bytesToHex(existing.publicKey) !== bytesToHex(publicKey))
        log(`registry: meter ${meter.id} is registered with another key than its device's (data dir reset?); its readings will be rejected`);
      continue;
    }
    pending.push(chain.registerMeter({ meterId: meter.id, publicKey, payee: payeeOf.get(meter.household)!, capacityW: meter.capacityW }));
  }
  const results = await Promise.allSettled(pending);
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length > 0) throw new CliError(`registry: ${failed.length} of ${pending.length} registrations failed: ${(failed[0]!.reason as Error).message}`);
  const added = pending.length;
  if (added > 0) log(`registry: ${added} meters registered`);
  return added;
}

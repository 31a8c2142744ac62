// Shard assignment in MeterRegistry (issue #13): a household's (payee's) shard history like a key
// history, so every reading time maps to one shard; batch registration; a household never split;
// gas per meter of registerMeters at 1, 100 and 1,000 meters (printed for docs/contracts.md).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Hex } from '@feedin/protocol/hex';
import type { StartAnvilReturnType } from '../src/anvil.js';
import type { RegisterMeterParameters } from '../src/chain-types.js';
import { toBeHex } from 'ethers';
import { contractInterface } from '../src/contract-interfaces.js';
import { reasonHash } from '../src/chain-writes.js';
import { ACCOUNT, PUBLIC_KEY, ROLE, deployFixture, events, expectRevert, rpc, startChain, unauthorized, type Fixture } from './support.js';

let anvil: StartAnvilReturnType;
let f: Fixture;
beforeAll(async () => {
  // 1,000 meters in one transaction need more than anvil's default 30 M block gas.
  anvil = await startChain({ gasLimit: 1_000_000_000 });
});
afterAll(async () => {
  await anvil?.stop();
});
beforeEach(async () => {
  f = await deployFixture(anvil.rpcUrl);
});
afterEach(() => f.close());

const meter = (meterId: string, payee: Hex, shard: number): RegisterMeterParameters => ({ meterId, publicKey: PUBLIC_KEY, payee, capacityW: 5000, shard });
const registryAbi = contractInterface('MeterRegistry');
/** Sends from an anvil-unlocked account with a fixed gas limit: estimating 1,000 registrations
 * (a binary search of executions) takes longer than a request may. Returns the receipt's gasUsed. */
async function sendUnestimated(from: Hex, to: Hex, data: string): Promise<bigint> {
  const hash = (await rpc(anvil.rpcUrl, 'eth_sendTransaction', [{ from, to, data, gas: toBeHex(900_000_000) }])) as string;
  for (;;) {
    const receipt = (await rpc(anvil.rpcUrl, 'eth_getTransactionReceipt', [hash])) as { status: string; gasUsed: string } | null;
    if (receipt) {
      if (receipt.status !== '0x1') throw new Error(`registerMeters reverted: ${hash}`);
      return BigInt(receipt.gasUsed);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
const now = async () => (await f.reader.registryClock()).nowSec;

describe('registerMeters', () => {
  it('registers many meters in one transaction, each household on its shard', async () => {
    const tx = await f.operator.registerMeters([meter('M-1', ACCOUNT.payeeA, 1), meter('M-2', ACCOUNT.payeeA, 1), meter('M-3', ACCOUNT.payeeB, 2)]);
    const assigned = events(tx).filter((e) => e.name === 'ShardAssigned');
    // One ShardAssigned per new household, from time 0; the second meter of A joins it.
    expect(assigned).toEqual([
      { name: 'ShardAssigned', args: { payee: ACCOUNT.payeeA, meterId: 'M-1', shard: 1n, validFrom: 0n, reasonHash: `0x${'00'.repeat(32)}`, assignedBy: ACCOUNT.operator } },
      { name: 'ShardAssigned', args: { payee: ACCOUNT.payeeB, meterId: 'M-3', shard: 2n, validFrom: 0n, reasonHash: `0x${'00'.repeat(32)}`, assignedBy: ACCOUNT.operator } },
    ]);
    expect(events(tx).filter((e) => e.name === 'MeterRegistered')).toHaveLength(3);
    expect((await f.reader.meters()).map((m) => [m.meterId, m.shard])).toEqual([['M-1', 1], ['M-2', 1], ['M-3', 2]]);
    expect(await f.reader.meterShards('M-2')).toEqual([{ shard: 1, validFromSec: 0 }]);
    // registerMeter (one) joins the household's shard rather than splitting it.
    await f.operator.registerMeter({ meterId: 'M-4', publicKey: PUBLIC_KEY, payee: ACCOUNT.payeeB, capacityW: 1 });
    expect((await f.reader.meter('M-4'))?.shard).toBe(2);
  });

  it('refuses a meter on another shard than its household, and reverts the whole call', async () => {
    await f.operator.registerMeters([meter('M-1', ACCOUNT.payeeA, 1)]);
    await expectRevert(
      f.operator.registerMeters([meter('M-9', ACCOUNT.payeeC, 0), meter('M-2', ACCOUNT.payeeA, 2)]),
      'MeterRegistryHouseholdSplit',
      ['M-2', ACCOUNT.payeeA, 1n, 2n],
    );
    expect(await f.reader.meter('M-9')).toBeUndefined();
    await expectRevert(f.operator.registerMeters([meter('M-1', ACCOUNT.payeeB, 0)]), 'MeterRegistryAlreadyRegistered', ['M-1']);
    await expectRevert(f.outsider.registerMeters([meter('M-5', ACCOUNT.payeeB, 0)]), ...unauthorized(ACCOUNT.outsider, ROLE.OPERATOR));
  });
});

describe('assignShard', () => {
  it('moves the whole household from a time on; every reading time has exactly one shard', async () => {
    await f.operator.registerMeters([meter('M-1', ACCOUNT.payeeA, 0), meter('M-2', ACCOUNT.payeeA, 0), meter('M-3', ACCOUNT.payeeB, 0)]);
    const t0 = await now();
    const b = t0 + 600;
    const tx = await f.operator.assignShard({ meterId: 'M-1', shard: 4, validFromSec: b, reason: 'grow' });
    expect(events(tx)).toEqual([
      { name: 'ShardAssigned', args: { payee: ACCOUNT.payeeA, meterId: 'M-1', shard: 4n, validFrom: BigInt(b), reasonHash: reasonHash('grow'), assignedBy: ACCOUNT.operator } },
    ]);
    // The household's other meter moves with it; the other household stays.
    expect(await f.reader.meterShards('M-2')).toEqual([{ shard: 0, validFromSec: 0 }, { shard: 4, validFromSec: b }]);
    expect([await f.reader.meterShardAt('M-2', b - 1), await f.reader.meterShardAt('M-2', b), await f.reader.meterShardAt('M-3', b)]).toEqual([0, 4, 0]);
    expect((await f.reader.meter('M-1'))?.shard).toBe(0); // still scheduled
    expect(await f.reader.meterShardAt('unknown', b)).toBeUndefined();

    // A second assignment replaces the scheduled one (cancelled first), and must come after the one in force.
    const replaced = await f.regulator.assignShard({ meterId: 'M-2', shard: 5, validFromSec: b + 60, reason: 'no, 5' });
    expect(events(replaced).map((e) => e.name)).toEqual(['ShardAssignmentCancelled', 'ShardAssigned']);
    expect(events(replaced)[0]!.args).toEqual({ payee: ACCOUNT.payeeA, shard: 4n, validFrom: BigInt(b), reasonHash: reasonHash('no, 5'), cancelledBy: ACCOUNT.regulator });
    expect(await f.reader.meterShards('M-1')).toEqual([{ shard: 0, validFromSec: 0 }, { shard: 5, validFromSec: b + 60 }]);
    // The regulator's schedule is the regulator's: the operator cannot replace it.
    await expectRevert(f.operator.assignShard({ meterId: 'M-1', shard: 6, validFromSec: b, reason: 'x' }), ...unauthorized(ACCOUNT.operator, ROLE.REGULATOR));
  });

  it('refuses back-dated, beyond-horizon and not-after-current times, unknown meters and outsiders', async () => {
    await f.operator.registerMeters([meter('M-1', ACCOUNT.payeeA, 0)]);
    const { nowSec, keyRotationHorizonSeconds } = await f.reader.registryClock();
    const failure = await f.operator.assignShard({ meterId: 'M-1', shard: 1, validFromSec: nowSec - 10, reason: 'x' }).catch((e: { revert?: { name: string } }) => e);
    expect((failure as { revert?: { name: string } }).revert?.name).toBe('MeterRegistryShardValidFromInPast');
    const far = nowSec + keyRotationHorizonSeconds + 1000;
    const beyond = await f.operator.assignShard({ meterId: 'M-1', shard: 1, validFromSec: far, reason: 'x' }).catch((e: { revert?: { name: string } }) => e);
    expect((beyond as { revert?: { name: string } }).revert?.name).toBe('MeterRegistryShardValidFromBeyondHorizon');
    // validFrom 0 = now: in force at once; another one in the same second does not come after it.
    const at = await f.operator.assignShard({ meterId: 'M-1', shard: 1, validFromSec: 0, reason: 'now' });
    const from = (events(at)[0]!.args as { validFrom: bigint }).validFrom;
    expect((await f.reader.meter('M-1'))?.shard).toBe(1);
    await expectRevert(f.operator.assignShard({ meterId: 'M-1', shard: 2, validFromSec: Number(from), reason: 'x' }), 'MeterRegistryShardNotAfterCurrent', ['M-1', from, from]);
    await expectRevert(f.operator.assignShard({ meterId: 'nope', shard: 2, validFromSec: 0, reason: 'x' }), 'MeterRegistryUnknownMeter', ['nope']);
    await expectRevert(f.outsider.assignShard({ meterId: 'M-1', shard: 2, validFromSec: 0, reason: 'x' }), ...unauthorized(ACCOUNT.outsider, ROLE.OPERATOR));
  });
});

describe('registerMeters gas per meter (printed for docs/contracts.md)', () => {
  it('stays flat per meter from 100 to 1,000 meters in one transaction', async () => {
    const perMeter: Record<number, bigint> = {};
    const rows: { meters: number; gasUsed: string; perMeter: string }[] = [];
    for (const n of [1, 100, 1000]) {
      // A new household per meter (the sandbox's shape: one meter per household), all on shard 1.
      const list = Array.from({ length: n }, (_, i) => meter(`G${n}-${String(i).padStart(5, '0')}`, `0x${(0x1000 + n * 2000 + i).toString(16).padStart(40, '0')}` as Hex, 1));
      const gasUsed = await sendUnestimated(ACCOUNT.operator, f.deployment.registry, registryAbi.encodeFunctionData('registerMeters', [list.map((m) => [m.meterId, m.publicKey, m.payee, m.capacityW, m.shard])]));
      perMeter[n] = gasUsed / BigInt(n);
      rows.push({ meters: n, gasUsed: gasUsed.toString(), perMeter: perMeter[n]!.toString() });
    }
    const single = await f.operator.registerMeter({ meterId: 'single-1', publicKey: PUBLIC_KEY, payee: ACCOUNT.payeeC, capacityW: 1 });
    rows.push({ meters: 1, gasUsed: `${single.gasUsed} (registerMeter)`, perMeter: single.gasUsed.toString() });
    console.table(rows);
    // The transaction's fixed 21 000 is shared out; beyond that each meter costs the same.
    expect(perMeter[100]!).toBeLessThan(perMeter[1]!);
    expect(Number(perMeter[1000]!)).toBeLessThanOrEqual(Number(perMeter[100]!) * 1.02);
    expect(await f.reader.meterShardAt('G1000-00999', 0)).toBe(1);
  }, 120_000);
});

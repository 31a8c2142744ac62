// Settlement.endSandbox on a real anvil: exact event, exact refusals (a second end, an end at 0,
// another role), and the batches it refuses afterwards. Settlement.sol itself is not changed here.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { StartAnvilReturnType } from '../src/anvil.js';
import { reasonHash } from '../src/chain-writes.js';
import { ACCOUNT, ROLE, deployFixture, events, expectRevert, root, startChain, unauthorized, type Fixture } from './support.js';

const T0 = 1_795_316_400n; // 2026-11-22T10:00:00+07:00
const batch = (batchId: bigint, endSec: bigint) => ({
  batchId,
  intervalStartSec: endSec - 900n,
  intervalEndSec: endSec,
  claimsRoot: root(1),
  payoutsRoot: root(2),
  claimCount: 1n,
  totalExportWh: 10n,
  totalAmount: 10n,
});

let anvil: StartAnvilReturnType;
let f: Fixture;
beforeAll(async () => {
  anvil = await startChain();
});
afterAll(async () => {
  await anvil?.stop();
});
beforeEach(async () => {
  f = await deployFixture(anvil.rpcUrl);
});
afterEach(() => f.close());

describe('endSandbox', () => {
  it('records the end once with SandboxEnded and refuses batches that end after it', async () => {
    await f.gateway.submitBatch(batch(1n, T0 + 900n));
    const tx = await f.regulator.endSandbox(Number(T0 + 1800n), 'trial complete');
    expect(events(tx)).toEqual([{ name: 'SandboxEnded', args: { sandboxEnd: T0 + 1800n, reasonHash: reasonHash('trial complete'), endedBy: ACCOUNT.regulator } }]);
    expect(await f.reader.sandboxEnd()).toBe(Number(T0 + 1800n));
    await f.gateway.submitBatch(batch(2n, T0 + 1800n)); // ends exactly at the end: still settles
    await expectRevert(f.gateway.submitBatch(batch(3n, T0 + 2700n)), 'SettlementSandboxEnded', [T0 + 1800n, T0 + 2700n]);
  });

  it('cannot be moved, repeated or set to 0', async () => {
    await expectRevert(f.regulator.endSandbox(0, 'zero'), 'SettlementSandboxEnded', [0n, 0n]);
    await f.regulator.endSandbox(Number(T0), 'end');
    await expectRevert(f.regulator.endSandbox(Number(T0 + 60n), 'later'), 'SettlementSandboxEnded', [T0, T0 + 60n]);
    await expectRevert(f.regulator.endSandbox(Number(T0), 'same'), 'SettlementSandboxEnded', [T0, T0]);
  });

  it('needs REGULATOR_ROLE', async () => {
    await expectRevert(f.operator.endSandbox(Number(T0), 'x'), ...unauthorized(ACCOUNT.operator, ROLE.REGULATOR));
    await expectRevert(f.outsider.endSandbox(Number(T0), 'x'), ...unauthorized(ACCOUNT.outsider, ROLE.REGULATOR));
  });
});

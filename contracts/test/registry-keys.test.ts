// MeterRegistry key lifecycle and suspension precedence on a real anvil (issue 10 items 4 and 6):
// rotateKey within [sandbox now, now + horizon], cancelRotation, revokeKey of the key in force at
// the given time (not the newest entry), the regulator's word over the operator's, the sandbox
// clock the registry judges times by — exact errors and events. Gas is printed, not asserted.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { JsonRpcProvider, keccak256, toUtf8Bytes } from 'ethers';
import { hexToBytes, type Hex } from '@feedin/protocol/hex';
import type { StartAnvilReturnType } from '../src/anvil.js';
import { reasonHash } from '../src/chain-writes.js';
import { ACCOUNT, PUBLIC_KEY, ROLE, deployFixture, events, expectRevert, rpc, startChain, unauthorized, type Fixture } from './support.js';

// secp256k1 generator points G, 2G, 3G (compressed): valid keys that are not anvil's.
const KEY2: Hex = '0x0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798';
const KEY3: Hex = '0x02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5';
const KEY4: Hex = '0x02f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9';
const ID = 'HCM-0001';
const ID_HASH = keccak256(toUtf8Bytes(ID));
const DAY = 86_400;
const HORIZON = 30 * DAY;
const gas: Record<string, string> = {};

let anvil: StartAnvilReturnType;
let f: Fixture;
/** chain time (unix s) of the next block; every test moves it forward from the latest block */
let t: number;
beforeAll(async () => {
  anvil = await startChain();
});
afterAll(async () => {
  await anvil?.stop();
  console.log(`registry key gas: ${JSON.stringify(gas)}`);
});
beforeEach(async () => {
  f = await deployFixture(anvil.rpcUrl);
  await f.operator.registerMeter({ meterId: ID, publicKey: PUBLIC_KEY, payee: ACCOUNT.payeeA, capacityW: 5000 });
  t = (await new JsonRpcProvider(anvil.rpcUrl).getBlock('latest'))!.timestamp + 10;
});
afterEach(() => f.close());

/** The next transaction's block gets chain time `sec` (estimation sees the same pending time). */
const at = async (sec: number) => {
  t = sec;
  await rpc(anvil.rpcUrl, 'evm_setNextBlockTimestamp', [sec]);
};
const key = (publicKey: Hex, validFromSec: number, revokedFromSec: number | null = null) => ({ publicKey: hexToBytes(publicKey), validFromSec, revokedFromSec });
const rotated = (by: Hex, publicKey: Hex, validFrom: number, reason: string) => ({
  name: 'MeterKeyRotated',
  args: { meterIdHash: ID_HASH, meterId: ID, publicKey, validFrom: BigInt(validFrom), reasonHash: reasonHash(reason), rotatedBy: by },
});
const cancelled = (by: Hex, publicKey: Hex, validFrom: number, reason: string) => ({
  name: 'MeterKeyRotationCancelled',
  args: { meterIdHash: ID_HASH, meterId: ID, publicKey, validFrom: BigInt(validFrom), reasonHash: reasonHash(reason), cancelledBy: by },
});

describe('rotateKey', () => {
  it('rotates from the registry’s sandbox now when validFrom is 0', async () => {
    await at(t);
    const tx = await f.operator.rotateKey({ meterId: ID, publicKey: KEY2, validFromSec: 0, reason: 'annual rotation' });
    gas.rotateKeyNow = tx.gasUsed.toString();
    expect(events(tx)).toEqual([rotated(ACCOUNT.operator, KEY2, t, 'annual rotation')]);
    expect(await f.reader.meterKeys(ID)).toEqual([key(PUBLIC_KEY, 0), key(KEY2, t)]);
    expect(await f.reader.meter(ID)).toMatchObject({ publicKey: hexToBytes(KEY2), keyValidFromSec: t });
  });

  it('schedules within the horizon; meter() shows the key in force until the new one takes effect', async () => {
    await at(t);
    const tx = await f.operator.rotateKey({ meterId: ID, publicKey: KEY2, validFromSec: t + HORIZON, reason: 'scheduled' });
    gas.rotateKeyScheduled = tx.gasUsed.toString();
    expect(events(tx)).toEqual([rotated(ACCOUNT.operator, KEY2, t + HORIZON, 'scheduled')]);
    expect(await f.reader.meter(ID)).toMatchObject({ publicKey: hexToBytes(PUBLIC_KEY), keyValidFromSec: 0 });
    await at(t + HORIZON);
    await rpc(anvil.rpcUrl, 'evm_mine');
    expect(await f.reader.meter(ID)).toMatchObject({ publicKey: hexToBytes(KEY2), keyValidFromSec: t });
  });

  it('refuses a back-dated rotation and one beyond the horizon, naming now and the latest time', async () => {
    await at(t);
    await expectRevert(f.operator.rotateKey({ meterId: ID, publicKey: KEY2, validFromSec: t - 1, reason: 'x' }), 'MeterRegistryKeyValidFromInPast', [ID, BigInt(t - 1), BigInt(t)]);
    await at(t + 1);
    await expectRevert(f.regulator.rotateKey({ meterId: ID, publicKey: KEY2, validFromSec: t + HORIZON + 1, reason: 'x' }), 'MeterRegistryKeyValidFromBeyondHorizon', [ID, BigInt(t + HORIZON + 1), BigInt(t + HORIZON)]);
    await expectRevert(f.operator.rotateKey({ meterId: ID, publicKey: `0x04${'11'.repeat(32)}`, validFromSec: 0, reason: 'x' }), 'MeterRegistryInvalidPublicKey', [ID, 33n]);
    await expectRevert(f.operator.rotateKey({ meterId: 'nope', publicKey: KEY2, validFromSec: 0, reason: 'x' }), 'MeterRegistryUnknownMeter', ['nope']);
    await expectRevert(f.outsider.rotateKey({ meterId: ID, publicKey: KEY2, validFromSec: 0, reason: 'x' }), ...unauthorized(ACCOUNT.outsider, ROLE.OPERATOR));
  });

  it('refuses a second rotation from the same second (two in one block: the history stays ordered)', async () => {
    await at(t);
    await rpc(anvil.rpcUrl, 'evm_setAutomine', [false]);
    try {
      const first = f.operator.rotateKey({ meterId: ID, publicKey: KEY2, validFromSec: 0, reason: 'one' });
      const second = f.regulator.rotateKey({ meterId: ID, publicKey: KEY3, validFromSec: 0, reason: 'two' });
      const deadline = Date.now() + 10_000;
      while (Number(((await rpc(anvil.rpcUrl, 'txpool_status')) as { pending: string }).pending) < 2 && Date.now() < deadline);
      await rpc(anvil.rpcUrl, 'evm_mine');
      // the block orders the two senders as it likes: exactly one lands, the other names the rule
      const [one, two] = await Promise.allSettled([first, second]);
      const refused = one.status === 'rejected' ? one : two;
      expect([one.status, two.status].sort()).toEqual(['fulfilled', 'rejected']);
      await expectRevert(Promise.reject((refused as PromiseRejectedResult).reason), 'MeterRegistryKeyNotAfterCurrent', [ID, BigInt(t), BigInt(t)]);
    } finally {
      await rpc(anvil.rpcUrl, 'evm_setAutomine', [true]);
    }
  });

  it('replaces a scheduled rotation: cancelled event first, then the new one', async () => {
    await at(t);
    await f.operator.rotateKey({ meterId: ID, publicKey: KEY2, validFromSec: t + DAY, reason: 'first plan' });
    await at(t + 1);
    const tx = await f.operator.rotateKey({ meterId: ID, publicKey: KEY3, validFromSec: t + 2 * DAY, reason: 'second plan' });
    gas.rotateKeyReplacing = tx.gasUsed.toString();
    expect(events(tx)).toEqual([cancelled(ACCOUNT.operator, KEY2, t - 1 + DAY, 'second plan'), rotated(ACCOUNT.operator, KEY3, t + 2 * DAY, 'second plan')]);
    expect(await f.reader.meterKeys(ID)).toEqual([key(PUBLIC_KEY, 0), key(KEY3, t + 2 * DAY)]);
  });

  it('lets the regulator replace what the operator scheduled, never the other way round', async () => {
    await at(t);
    await f.operator.rotateKey({ meterId: ID, publicKey: KEY2, validFromSec: t + HORIZON, reason: 'operator plan' });
    await at(t + 1);
    const tx = await f.regulator.rotateKey({ meterId: ID, publicKey: KEY3, validFromSec: 0, reason: 'regulator: rotate now' });
    expect(events(tx)).toEqual([cancelled(ACCOUNT.regulator, KEY2, t - 1 + HORIZON, 'regulator: rotate now'), rotated(ACCOUNT.regulator, KEY3, t, 'regulator: rotate now')]);
    await at(t + 1);
    await f.regulator.rotateKey({ meterId: ID, publicKey: KEY4, validFromSec: t + DAY, reason: 'regulator plan' });
    await at(t + 1);
    await expectRevert(f.operator.rotateKey({ meterId: ID, publicKey: KEY2, validFromSec: t + 2 * DAY, reason: 'x' }), ...unauthorized(ACCOUNT.operator, ROLE.REGULATOR));
    await expectRevert(f.operator.cancelRotation({ meterId: ID, reason: 'x' }), ...unauthorized(ACCOUNT.operator, ROLE.REGULATOR));
  });
});

describe('cancelRotation', () => {
  it('withdraws a scheduled rotation with MeterKeyRotationCancelled; the key in force stays', async () => {
    await at(t);
    await f.operator.rotateKey({ meterId: ID, publicKey: KEY2, validFromSec: t + DAY, reason: 'plan' });
    await at(t + 1);
    const tx = await f.regulator.cancelRotation({ meterId: ID, reason: 'not approved' });
    gas.cancelRotation = tx.gasUsed.toString();
    expect(events(tx)).toEqual([cancelled(ACCOUNT.regulator, KEY2, t - 1 + DAY, 'not approved')]);
    expect(await f.reader.meterKeys(ID)).toEqual([key(PUBLIC_KEY, 0)]);
    await expectRevert(f.operator.cancelRotation({ meterId: ID, reason: 'again' }), 'MeterRegistryNoRotationScheduled', [ID]);
  });

  it('cannot withdraw a rotation that already took effect', async () => {
    await at(t);
    await f.operator.rotateKey({ meterId: ID, publicKey: KEY2, validFromSec: t + 60, reason: 'soon' });
    await at(t + 60);
    await expectRevert(f.operator.cancelRotation({ meterId: ID, reason: 'late' }), 'MeterRegistryNoRotationScheduled', [ID]);
    await expectRevert(f.outsider.cancelRotation({ meterId: ID, reason: 'x' }), ...unauthorized(ACCOUNT.outsider, ROLE.OPERATOR));
    await expectRevert(f.operator.cancelRotation({ meterId: 'nope', reason: 'x' }), 'MeterRegistryUnknownMeter', ['nope']);
  });
});

describe('revokeKey', () => {
  it('revokes the key in force at the time, not a scheduled newer one', async () => {
    await at(t);
    await f.operator.rotateKey({ meterId: ID, publicKey: KEY2, validFromSec: t + DAY, reason: 'plan' });
    await at(t + 1);
    const tx = await f.regulator.revokeKey({ meterId: ID, fromSec: t - 100, reason: 'key leaked' });
    gas.revokeKey = tx.gasUsed.toString();
    expect(events(tx)).toEqual([
      { name: 'MeterKeyRevoked', args: { meterIdHash: ID_HASH, meterId: ID, publicKey: PUBLIC_KEY, fromTime: BigInt(t - 100), reasonHash: reasonHash('key leaked'), revokedBy: ACCOUNT.regulator } },
    ]);
    expect(await f.reader.meterKeys(ID)).toEqual([key(PUBLIC_KEY, 0, t - 100), key(KEY2, t - 1 + DAY)]);
  });

  it('revokes an older key back-dated into its own period; a revocation only moves earlier', async () => {
    await at(t);
    await f.operator.rotateKey({ meterId: ID, publicKey: KEY2, validFromSec: t + 10, reason: 'rotate' });
    await at(t + 20);
    await f.operator.revokeKey({ meterId: ID, fromSec: t - 50, reason: 'old key leaked' });
    await expectRevert(f.operator.revokeKey({ meterId: ID, fromSec: t - 40, reason: 'later' }), 'MeterRegistryKeyAlreadyRevoked', [ID, BigInt(t - 50)]);
    await expectRevert(f.regulator.revokeKey({ meterId: ID, fromSec: t - 50, reason: 'same' }), 'MeterRegistryKeyAlreadyRevoked', [ID, BigInt(t - 50)]);
    const earlier = await f.regulator.revokeKey({ meterId: ID, fromSec: t - 80, reason: 'earlier' });
    gas.revokeKeyEarlier = earlier.gasUsed.toString();
    await f.regulator.revokeKey({ meterId: ID, fromSec: t - 10 + 10, reason: 'new key too' });
    expect(await f.reader.meterKeys(ID)).toEqual([key(PUBLIC_KEY, 0, t - 80), key(KEY2, t - 10, t)]);
    await f.operator.revokeKey({ meterId: 'HCM-0001', fromSec: 0, reason: 'from the start' });
    expect((await f.reader.meterKeys(ID))![0]!.revokedFromSec).toBe(1);
  });

  it('needs OPERATOR_ROLE or REGULATOR_ROLE and a known meter', async () => {
    await expectRevert(f.outsider.revokeKey({ meterId: ID, fromSec: 5, reason: 'x' }), ...unauthorized(ACCOUNT.outsider, ROLE.OPERATOR));
    await expectRevert(f.operator.revokeKey({ meterId: 'nope', fromSec: 5, reason: 'x' }), 'MeterRegistryUnknownMeter', ['nope']);
  });
});

describe('suspension precedence', () => {
  it("replaces an operator's far-future suspension with the regulator's", async () => {
    const op = await f.operator.suspendMeter({ meterId: ID, fromSec: 4_000_000_000, reason: 'operator: some day' });
    gas.suspendMeterOperator = op.gasUsed.toString();
    const tx = await f.regulator.suspendMeter({ meterId: ID, fromSec: 1_795_000_000, reason: 'regulator: now' });
    gas.suspendMeterOverOperator = tx.gasUsed.toString();
    expect(events(tx)).toEqual([
      { name: 'MeterSuspended', args: { meterIdHash: ID_HASH, meterId: ID, fromTime: 1_795_000_000n, reasonHash: reasonHash('regulator: now'), suspendedBy: ACCOUNT.regulator } },
    ]);
    expect(await f.reader.meter(ID)).toMatchObject({ suspendedFromSec: 1_795_000_000 });
    // now it is the regulator's: the operator can neither replace nor lift it, the regulator not repeat it
    await expectRevert(f.operator.suspendMeter({ meterId: ID, fromSec: 1, reason: 'x' }), 'MeterRegistryAlreadySuspended', [ID, 1_795_000_000n]);
    await expectRevert(f.operator.reactivateMeter({ meterId: ID, reason: 'x' }), ...unauthorized(ACCOUNT.operator, ROLE.REGULATOR));
    await expectRevert(f.regulator.suspendMeter({ meterId: ID, fromSec: 1, reason: 'x' }), 'MeterRegistryAlreadySuspended', [ID, 1_795_000_000n]);
  });

  it('refuses a second operator suspension', async () => {
    await f.operator.suspendMeter({ meterId: ID, fromSec: 100, reason: 'a' });
    await expectRevert(f.operator.suspendMeter({ meterId: ID, fromSec: 50, reason: 'b' }), 'MeterRegistryAlreadySuspended', [ID, 100n]);
  });
});

describe('sandbox clock and horizon', () => {
  it('judges rotation times by the admin-set sandbox clock', async () => {
    const wallAnchorMs = t * 1000;
    const sandboxAnchorMs = 1_795_316_400_000; // 2026-11-22T10:00:00+07:00
    const set = await f.deployer.setSandboxClock({ wallAnchorMs, sandboxAnchorMs, speed: 60 });
    gas.setSandboxClock = set.gasUsed.toString();
    expect(events(set)).toEqual([{ name: 'SandboxClockChanged', args: { wallAnchorMs: BigInt(wallAnchorMs), sandboxAnchorMs: BigInt(sandboxAnchorMs), speed: 60n } }]);
    await at(t + 10); // 10 wall seconds = 600 sandbox seconds
    await expectRevert(f.operator.rotateKey({ meterId: ID, publicKey: KEY2, validFromSec: 1_795_316_400 + 599, reason: 'x' }), 'MeterRegistryKeyValidFromInPast', [ID, 1_795_316_999n, 1_795_317_000n]);
    await rpc(anvil.rpcUrl, 'evm_mine');
    expect(await f.reader.registryClock()).toEqual({ wallAnchorMs, sandboxAnchorMs, speed: 60, nowSec: 1_795_317_000, keyRotationHorizonSeconds: HORIZON });
    const horizon = await f.deployer.setKeyRotationHorizon(3600);
    gas.setKeyRotationHorizon = horizon.gasUsed.toString();
    expect(events(horizon)).toEqual([{ name: 'KeyRotationHorizonChanged', args: { horizonSeconds: 3600n } }]);
    await at(t + 1);
    await expectRevert(f.operator.rotateKey({ meterId: ID, publicKey: KEY2, validFromSec: 1_795_317_060 + 3601, reason: 'x' }), 'MeterRegistryKeyValidFromBeyondHorizon', [ID, 1_795_320_661n, 1_795_320_660n]);
  });

  it('lets only the admin set the clock and the horizon; a clock needs speed ≥ 1', async () => {
    await expectRevert(f.regulator.setSandboxClock({ wallAnchorMs: 0, sandboxAnchorMs: 0, speed: 60 }), ...unauthorized(ACCOUNT.regulator, ROLE.DEFAULT_ADMIN));
    await expectRevert(f.operator.setKeyRotationHorizon(1), ...unauthorized(ACCOUNT.operator, ROLE.DEFAULT_ADMIN));
    await expectRevert(f.deployer.setSandboxClock({ wallAnchorMs: 0, sandboxAnchorMs: 0, speed: 0 }), 'MeterRegistryInvalidClock', [0n]);
  });
});

// MeterRegistry against a real anvil node: every function, role, error and event.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Contract, JsonRpcProvider, keccak256, toUtf8Bytes } from 'ethers';
import { hexToBytes } from '@feedin/protocol/hex';
import type { StartAnvilReturnType } from '../src/anvil.js';
import { contractInterface } from '../src/contract-interfaces.js';
import { toChainError } from '../src/chain-error.js';
import { reasonHash } from '../src/chain-writes.js';
import { ACCOUNT, PUBLIC_KEY, ROLE, deployFixture, events, expectRevert, startChain, unauthorized, type Fixture } from './support.js';

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

const register = (meterId = 'HCM-0001', overrides: Partial<{ publicKey: `0x${string}`; payee: `0x${string}`; capacityW: number }> = {}) =>
  f.operator.registerMeter({ meterId, publicKey: PUBLIC_KEY, payee: ACCOUNT.payeeA, capacityW: 5000, ...overrides });

describe('registerMeter', () => {
  it('stores the meter and emits MeterRegistered with everything needed to rebuild the registry', async () => {
    const tx = await register();
    expect(events(tx)).toEqual([
      {
        name: 'MeterRegistered',
        args: { meterIdHash: keccak256(toUtf8Bytes('HCM-0001')), meterId: 'HCM-0001', publicKey: PUBLIC_KEY, payee: ACCOUNT.payeeA, capacityW: 5000n },
      },
      // The household's first meter puts it on its shard (0 by registerMeter), from time 0.
      {
        name: 'ShardAssigned',
        args: { payee: ACCOUNT.payeeA, meterId: 'HCM-0001', shard: 0n, validFrom: 0n, reasonHash: `0x${'00'.repeat(32)}`, assignedBy: ACCOUNT.operator },
      },
    ]);
    const block = await new JsonRpcProvider(anvil.rpcUrl).getBlock(tx.blockNumber);
    expect(await f.reader.meter('HCM-0001')).toEqual({
      meterId: 'HCM-0001',
      publicKey: hexToBytes(PUBLIC_KEY),
      keyValidFromSec: 0,
      payee: ACCOUNT.payeeA,
      capacityW: 5000,
      registeredAtSec: block!.timestamp,
      active: true,
      suspendedFromSec: null,
      shard: 0,
    });
  });

  it('accepts Uint8Array keys, 32-character ids and every allowed character', async () => {
    const id = 'aZ09._-'.padEnd(32, 'x');
    await f.operator.registerMeter({ meterId: id, publicKey: hexToBytes(PUBLIC_KEY), payee: ACCOUNT.payeeB, capacityW: 1 });
    expect((await f.reader.meter(id))?.payee).toBe(ACCOUNT.payeeB);
  });

  it('answers undefined for an unknown meter', async () => {
    expect(await f.reader.meter('nobody')).toBeUndefined();
  });

  it('refuses a duplicate id', async () => {
    await register();
    await expectRevert(register(), 'MeterRegistryAlreadyRegistered', ['HCM-0001']);
  });

  it.each([[''], ['x'.repeat(33)], ['HCM 0001'], ['HCM/1'], ['Zähler']])('refuses the meter id %j', async (id) => {
    await expectRevert(register(id), 'MeterRegistryInvalidMeterId', [id]);
  });

  it('refuses keys that are not 33-byte compressed points', async () => {
    await expectRevert(register('m1', { publicKey: `0x04${'11'.repeat(64)}` }), 'MeterRegistryInvalidPublicKey', ['m1', 65n]);
    await expectRevert(register('m1', { publicKey: `0x${'11'.repeat(32)}` }), 'MeterRegistryInvalidPublicKey', ['m1', 32n]);
    await expectRevert(register('m1', { publicKey: `0x04${'11'.repeat(32)}` }), 'MeterRegistryInvalidPublicKey', ['m1', 33n]);
  });

  it('refuses a zero payee and a zero capacity', async () => {
    await expectRevert(register('m1', { payee: `0x${'00'.repeat(20)}` }), 'MeterRegistryZeroPayee', ['m1']);
    await expectRevert(register('m1', { capacityW: 0 }), 'MeterRegistryZeroCapacity', ['m1']);
  });

  it('needs OPERATOR_ROLE (the regulator and outsiders are refused)', async () => {
    const args = { meterId: 'm1', publicKey: PUBLIC_KEY, payee: ACCOUNT.payeeA, capacityW: 1 } as const;
    await expectRevert(f.outsider.registerMeter(args), ...unauthorized(ACCOUNT.outsider, ROLE.OPERATOR));
    await expectRevert(f.regulator.registerMeter(args), ...unauthorized(ACCOUNT.regulator, ROLE.OPERATOR));
  });
});

describe('suspendMeter / reactivateMeter', () => {
  beforeEach(async () => {
    await register();
  });

  it('suspends from a sandbox time and emits MeterSuspended', async () => {
    const tx = await f.operator.suspendMeter({ meterId: 'HCM-0001', fromSec: 1_795_000_000, reason: 'meter replaced' });
    expect(events(tx)).toEqual([
      {
        name: 'MeterSuspended',
        args: {
          meterIdHash: keccak256(toUtf8Bytes('HCM-0001')),
          meterId: 'HCM-0001',
          fromTime: 1_795_000_000n,
          reasonHash: reasonHash('meter replaced'),
          suspendedBy: ACCOUNT.operator,
        },
      },
    ]);
    expect(await f.reader.meter('HCM-0001')).toMatchObject({ active: true, suspendedFromSec: 1_795_000_000 });
  });

  it('refuses a second suspension, naming the one in force', async () => {
    await f.regulator.suspendMeter({ meterId: 'HCM-0001', fromSec: 100, reason: 'audit' });
    await expectRevert(f.operator.suspendMeter({ meterId: 'HCM-0001', fromSec: 200, reason: 'x' }), 'MeterRegistryAlreadySuspended', ['HCM-0001', 100n]);
  });

  it('refuses unknown meters', async () => {
    await expectRevert(f.operator.suspendMeter({ meterId: 'nope', fromSec: 1, reason: 'x' }), 'MeterRegistryUnknownMeter', ['nope']);
    await expectRevert(f.operator.reactivateMeter({ meterId: 'nope', reason: 'x' }), 'MeterRegistryUnknownMeter', ['nope']);
  });

  it('needs OPERATOR_ROLE or REGULATOR_ROLE', async () => {
    await expectRevert(f.outsider.suspendMeter({ meterId: 'HCM-0001', fromSec: 1, reason: 'x' }), ...unauthorized(ACCOUNT.outsider, ROLE.OPERATOR));
    await expectRevert(f.gateway.suspendMeter({ meterId: 'HCM-0001', fromSec: 1, reason: 'x' }), ...unauthorized(ACCOUNT.gateway, ROLE.OPERATOR));
    await f.operator.suspendMeter({ meterId: 'HCM-0001', fromSec: 1, reason: 'x' });
    await expectRevert(f.outsider.reactivateMeter({ meterId: 'HCM-0001', reason: 'x' }), ...unauthorized(ACCOUNT.outsider, ROLE.OPERATOR));
  });

  it('reactivates and emits MeterReactivated', async () => {
    await f.operator.suspendMeter({ meterId: 'HCM-0001', fromSec: 5, reason: 'x' });
    const tx = await f.operator.reactivateMeter({ meterId: 'HCM-0001', reason: 'repaired' });
    expect(events(tx)).toEqual([
      {
        name: 'MeterReactivated',
        args: { meterIdHash: keccak256(toUtf8Bytes('HCM-0001')), meterId: 'HCM-0001', reasonHash: reasonHash('repaired'), reactivatedBy: ACCOUNT.operator },
      },
    ]);
    expect((await f.reader.meter('HCM-0001'))?.suspendedFromSec).toBeNull();
    await expectRevert(f.operator.reactivateMeter({ meterId: 'HCM-0001', reason: 'again' }), 'MeterRegistryNotSuspended', ['HCM-0001']);
  });

  it("lets only the regulator lift the regulator's suspension", async () => {
    await f.regulator.suspendMeter({ meterId: 'HCM-0001', fromSec: 5, reason: 'investigation' });
    await expectRevert(f.operator.reactivateMeter({ meterId: 'HCM-0001', reason: 'x' }), ...unauthorized(ACCOUNT.operator, ROLE.REGULATOR));
    await f.regulator.reactivateMeter({ meterId: 'HCM-0001', reason: 'cleared' });
    expect((await f.reader.meter('HCM-0001'))?.suspendedFromSec).toBeNull();
  });
});

describe('enumeration', () => {
  it('lists every meter in registration order across pages', async () => {
    const ids = Array.from({ length: 205 }, (_, i) => `m-${String(i).padStart(3, '0')}`);
    await Promise.all(ids.map((id) => register(id)));
    const all = await f.reader.meters();
    expect(all.map((m) => m.meterId).sort()).toEqual(ids);
    const registry = new Contract(f.deployment.registry, contractInterface('MeterRegistry'), new JsonRpcProvider(anvil.rpcUrl));
    expect(await registry.getFunction('meterCount')()).toBe(205n);
    expect(await registry.getFunction('meterIdAt')(0)).toBe(all[0]!.meterId);
    expect(await registry.getFunction('isRegistered')('m-000')).toBe(true);
    expect((await registry.getFunction('metersPage')(200, 50)).length).toBe(5);
    expect((await registry.getFunction('metersPage')(300, 50)).length).toBe(0);
    const error = await registry.getFunction('meterIdAt')(205).catch((e: unknown) => toChainError(e, 'meterIdAt'));
    expect(error.revert).toEqual({ name: 'MeterRegistryIndexOutOfRange', args: [205n, 205n] });
    const unknown = await registry.getFunction('meter')('zz').catch((e: unknown) => toChainError(e, 'meter'));
    expect(unknown.revert).toEqual({ name: 'MeterRegistryUnknownMeter', args: ['zz'] });
  });

  it('grants the roles at deployment and keeps the deployer as admin', async () => {
    const registry = new Contract(f.deployment.registry, contractInterface('MeterRegistry'), new JsonRpcProvider(anvil.rpcUrl));
    const has = (role: string, account: string) => registry.getFunction('hasRole')(role, account);
    expect(await has(ROLE.OPERATOR, ACCOUNT.operator)).toBe(true);
    expect(await has(ROLE.REGULATOR, ACCOUNT.regulator)).toBe(true);
    expect(await has(ROLE.DEFAULT_ADMIN, ACCOUNT.deployer)).toBe(true);
    expect(await has(ROLE.OPERATOR, ACCOUNT.gateway)).toBe(false);
  });
});

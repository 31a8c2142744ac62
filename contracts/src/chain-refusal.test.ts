import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Interface, id } from 'ethers';
import { ChainError, contractErrorFragments, decodeRevert, toChainError } from './chain-error.js';
import { BATCH_STATUS_NAMES, REFUSALS, refusalTemplates, translateRevert } from './chain-refusal.js';

const interfacesDir = new URL('../solidity/interfaces/', import.meta.url);
const PAYEE = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

/** A plausible value of each ABI type, so that every error can be encoded as a contract would. */
function sample(type: string, name: string): unknown {
  if (type === 'address') return PAYEE;
  if (type === 'string') return 'HCM-0001';
  if (type === 'bool') return true;
  if (type === 'bytes32') return name === 'neededRole' ? id('REGULATOR_ROLE') : `0x${'ab'.repeat(32)}`;
  if (type.startsWith('bytes')) return '0x1234';
  if (type.startsWith('uint') || type.startsWith('int')) return 5n;
  throw new Error(`no sample for ABI type ${type}`);
}

/** Every argument combination worth translating: each member of an enum argument, else one. */
function samples(fragment: ReturnType<typeof contractErrorFragments>[number]): unknown[][] {
  const enumAt = fragment.inputs.findIndex((p) => p.internalType?.startsWith('enum '));
  const base = fragment.inputs.map((p) => sample(p.type, p.name));
  if (enumAt < 0) return [base];
  return BATCH_STATUS_NAMES.map((_, value) => base.map((v, i) => (i === enumAt ? BigInt(value) : v)));
}

describe('contract refusals in words', () => {
  const fragments = contractErrorFragments();
  const errors = new Interface(fragments as never);

  it('every custom error declared in contracts/solidity/interfaces/*.sol is in the compiled ABIs', () => {
    const declared = readdirSync(interfacesDir)
      .filter((f) => f.endsWith('.sol'))
      .flatMap((f) => [...readFileSync(new URL(f, interfacesDir), 'utf8').matchAll(/^\s*error\s+(\w+)\s*\(/gm)].map((m) => m[1]!));
    expect(declared.length).toBeGreaterThan(20);
    expect(declared.filter((name) => !fragments.some((f) => f.name === name))).toEqual([]);
  });

  it('every error of the compiled ABIs (ours and the inherited OpenZeppelin ones) has a translation', () => {
    expect(fragments.map((f) => f.name).filter((name) => !(name in REFUSALS))).toEqual([]);
  });

  it('every error, with every member of its enum arguments, decodes to words with no placeholder or raw error name left', () => {
    const templates = refusalTemplates();
    for (const fragment of fragments) {
      for (const values of samples(fragment)) {
        const data = errors.encodeErrorResult(fragment.name, values);
        const error = toChainError({ code: 'UNKNOWN_ERROR', error: { code: 3, message: 'execution reverted', data } }, 'send');
        const refusal = error.refusal!;
        const context = `${fragment.name}(${values.join(', ')}) → ${refusal.message}`;
        expect(refusal.code, context).toBe(fragment.name);
        expect(Object.keys(refusal.args), context).toEqual(fragment.inputs.map((p) => p.name));
        expect(refusal.message, context).not.toMatch(/[{}]|Settlement[A-Z]|MeterRegistry[A-Z]|ERC20|AccessControl|undefined/);
        expect(refusal.key in templates, context).toBe(true);
        expect(['state', 'input', 'not-found', 'permission']).toContain(refusal.kind);
        expect(error.message, context).toContain(refusal.message);
      }
    }
  });

  it('says "batch 5 is already final", with the machine code, key and params for a translation', () => {
    const data = errors.encodeErrorResult('SettlementBatchStatusInvalid', [5n, 4n]);
    expect(decodeRevert(data)).toEqual({ name: 'SettlementBatchStatusInvalid', args: [5n, 4n] });
    const error = new ChainError('reverted', 'approveBatch', { revert: decodeRevert(data)! });
    expect(error.refusal).toEqual({
      code: 'SettlementBatchStatusInvalid',
      args: { batchId: '5', status: 'final' },
      kind: 'state',
      key: 'chain.SettlementBatchStatusInvalid.final',
      params: { batchId: '5', status: 'final' },
      message: 'batch 5 is already final',
    });
    expect(refusalTemplates()['chain.SettlementBatchStatusInvalid.final']).toBe('batch {batchId} is already final');
    expect(toChainError({ code: 'UNKNOWN_ERROR', error: { code: 3, message: 'execution reverted', data } }, 'approveBatch').message).toBe(
      'approveBatch: refused: batch 5 is already final [SettlementBatchStatusInvalid(5, 4)]',
    );
  });

  it('names roles, shows chain times as ISO 8601 and tells a missing batch from a wrong state', () => {
    const t = (name: string, args: unknown[]) => new ChainError('reverted', name, { revert: { name, args } }).refusal!;
    expect(t('AccessControlUnauthorizedAccount', [PAYEE, id('OPERATOR_ROLE')])).toMatchObject({
      kind: 'permission',
      message: `${PAYEE} may not do this: it lacks the operator role on chain`,
      params: { account: PAYEE, neededRole: id('OPERATOR_ROLE'), role: 'operator' },
    });
    expect(t('MeterRegistryAlreadySuspended', ['HCM-0001', 1_795_000_000n])).toMatchObject({
      kind: 'state',
      key: 'chain.MeterRegistryAlreadySuspended',
      args: { meterId: 'HCM-0001', suspendedFrom: '1795000000' },
      message: 'meter HCM-0001 is already suspended (since 2026-11-18T11:06:40Z)',
    });
    expect(t('SettlementBatchStatusInvalid', [9n, 0n])).toMatchObject({ kind: 'not-found', message: 'batch 9 is not on chain' });
    expect(t('SettlementBatchNotFinal', [3n, 1n])).toMatchObject({ kind: 'state', message: 'batch 3 is pending, not final yet: withdrawals wait until it is' });
    expect(t('MeterRegistryUnknownMeter', ['X-1'])).toMatchObject({ kind: 'not-found', message: 'meter X-1 is not registered' });
  });

  it('translates the key-schedule errors of the registry, times included', () => {
    const inputs = ['meterId', 'validFrom', 'sandboxNow'].map((name, i) => ({ name, type: i === 0 ? 'string' : 'uint64' }));
    expect(translateRevert({ name: 'MeterRegistryKeyValidFromInPast', args: ['HCM-0001', 1_795_000_000n, 1_795_000_060n] }, inputs)).toMatchObject({
      kind: 'input',
      message: "the new key of meter HCM-0001 cannot take over at 2026-11-18T11:06:40Z, before the sandbox's now (2026-11-18T11:07:40Z): readings already accepted keep the key that signed them",
    });
    expect(translateRevert({ name: 'MeterRegistryNoRotationScheduled', args: ['HCM-0001'] }, [{ name: 'meterId', type: 'string' }]).message).toBe('meter HCM-0001 has no scheduled key rotation to cancel');
  });

  it('translates require strings, panics and unknown selectors too', () => {
    const builtin = new Interface(['error Error(string)', 'error Panic(uint256)']);
    const t = (data: string) => new ChainError('reverted', 'x', { revert: decodeRevert(data)! }).refusal!;
    expect(t(builtin.encodeErrorResult('Error', ['nope']))).toMatchObject({ code: 'Error', key: 'chain.Error', message: 'the contract refused: nope' });
    expect(t(builtin.encodeErrorResult('Panic', [0x11n]))).toMatchObject({ code: 'Panic', message: 'the contract failed an internal check (panic 0x11)' });
    expect(t('0xdeadbeef')).toMatchObject({ code: 'unknown', message: 'the contract refused with an error this version does not know (0xdeadbeef)' });
    expect(translateRevert({ name: 'SomethingNew', args: [1n] }, [{ name: 'x', type: 'uint256' }])).toMatchObject({
      code: 'SomethingNew',
      key: 'chain.unknown',
      message: 'the contract refused with an error this version does not know (SomethingNew(1))',
    });
  });

  it('knows the members of ISettlement.BatchStatus in their declared order', () => {
    const source = readFileSync(new URL('ISettlement.sol', interfacesDir), 'utf8');
    const members = /enum\s+BatchStatus\s*\{([^}]*)\}/.exec(source)![1]!.split(',').map((m) => m.trim().toLowerCase());
    expect(members).toEqual([...BATCH_STATUS_NAMES]);
  });
});

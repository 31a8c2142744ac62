import { describe, expect, it } from 'vitest';
import { Interface, makeError } from 'ethers';
import { ChainError, decodeRevert, toChainError } from './chain-error.js';

const errors = new Interface([
  'error SettlementBatchOutOfOrder(uint64 expected, uint64 given)',
  'error Error(string)',
  'error Panic(uint256)',
]);

describe('decodeRevert', () => {
  it('decodes the contracts’ custom errors, Error(string) and Panic(uint256)', () => {
    expect(decodeRevert(errors.encodeErrorResult('SettlementBatchOutOfOrder', [3n, 5n]))).toEqual({ name: 'SettlementBatchOutOfOrder', args: [3n, 5n] });
    expect(decodeRevert(errors.encodeErrorResult('Error', ['nope']))).toEqual({ name: 'Error', args: ['nope'] });
    expect(decodeRevert(errors.encodeErrorResult('Panic', [0x11n]))).toEqual({ name: 'Panic', args: [0x11n] });
  });

  it('names an unknown selector as unknown and keeps the data; no data is no revert', () => {
    expect(decodeRevert('0xdeadbeef')).toEqual({ name: 'unknown', args: ['0xdeadbeef'] });
    expect(decodeRevert('0x')).toBeUndefined();
    expect(decodeRevert(null)).toBeUndefined();
  });
});

describe('toChainError', () => {
  it('maps ethers and network failures to codes', () => {
    expect(toChainError(makeError('timeout', 'TIMEOUT', { operation: 'x', reason: 'timeout' }), 'ctx').code).toBe('timeout');
    expect(toChainError(makeError('nonce has already been used', 'NONCE_EXPIRED', { transaction: {} as never }), 'ctx').code).toBe('nonce');
    expect(toChainError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), 'ctx').code).toBe('unreachable');
    expect(toChainError(new Error('something else'), 'ctx')).toMatchObject({ code: 'unknown', message: 'ctx: something else' });
  });

  it('decodes a revert the node reports inside a JSON-RPC error', () => {
    const data = errors.encodeErrorResult('SettlementBatchOutOfOrder', [1n, 2n]);
    const error = toChainError({ code: 'UNKNOWN_ERROR', error: { code: 3, message: 'execution reverted', data } }, 'submitBatch');
    expect(error).toBeInstanceOf(ChainError);
    expect({ code: error.code, revert: error.revert, message: error.message }).toEqual({
      code: 'reverted',
      revert: { name: 'SettlementBatchOutOfOrder', args: [1n, 2n] },
      message: 'submitBatch: refused: batch 2 is out of order: the next batch on chain is 1 [SettlementBatchOutOfOrder(1, 2)]',
    });
  });

  it('passes a ChainError through unchanged', () => {
    const original = new ChainError('timeout', 'x');
    expect(toChainError(original, 'y')).toBe(original);
  });
});

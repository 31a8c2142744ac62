import { describe, expect, it } from 'vitest';
import { ChainError } from '@feedin/contracts/chain-error';
import { CliError } from './cli-error.js';
import { EXIT, failureOf, helpFor, wantsHelp } from './command-line.js';

describe('one line and an exit code for every failure', () => {
  it('refusals in words (1), usage (2), unreachable chain and system errors (3), defects (4)', () => {
    const refusal = new ChainError('reverted', 'approveBatch: refused', { revert: { name: 'SettlementBatchStatusInvalid', args: [5n, 4n] } });
    expect(failureOf(refusal, 'feedin regulator approve')).toEqual({ line: 'feedin: the chain refused: batch 5 is already final', exitCode: EXIT.failed });
    expect(failureOf(new CliError('--id: bad'), 'feedin meter suspend')).toEqual({ line: 'feedin: --id: bad', exitCode: EXIT.usage });
    const unknown = Object.assign(new TypeError("Unknown option '--frm'. To specify a positional argument starting with a '-', place it at the end"), { code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' });
    expect(failureOf(unknown, 'feedin meter suspend')).toEqual({ line: "feedin: unknown option '--frm' (see 'feedin meter suspend --help')", exitCode: EXIT.usage });
    expect(failureOf(new ChainError('unreachable', 'meter: connect ECONNREFUSED 127.0.0.1:9\nmore'), 'feedin audit meter')).toEqual({
      line: 'feedin: the chain cannot be reached: meter: connect ECONNREFUSED 127.0.0.1:9',
      exitCode: EXIT.unavailable,
    });
    const inUse = Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:8080'), { code: 'EADDRINUSE', syscall: 'listen' });
    expect(failureOf(inUse, 'feedin up')).toEqual({ line: 'feedin: listen EADDRINUSE: address already in use 127.0.0.1:8080', exitCode: EXIT.unavailable });
    const bug = failureOf(new TypeError("Cannot read properties of undefined (reading 'x')"), 'feedin up');
    expect([bug.line, bug.exitCode, typeof bug.stack]).toEqual(["feedin: internal error: Cannot read properties of undefined (reading 'x') (FEEDIN_DEBUG=1 shows where)", EXIT.internal, 'string']);
  });

  it('finds --help before a -- and picks the sub-command text', () => {
    expect([wantsHelp(['suspend', '--help']), wantsHelp(['-h']), wantsHelp(['verify', '--', '--help']), wantsHelp(['verify'])]).toEqual([true, true, false, false]);
    const help = { usage: 'usage: feedin meter …', verbs: { suspend: 'usage: feedin meter suspend …' } };
    expect([helpFor(help, ['suspend', '--help']), helpFor(help, ['--help']), helpFor(help, ['nope', '--help'])]).toEqual(['usage: feedin meter suspend …', 'usage: feedin meter …', 'usage: feedin meter …']);
  });
});

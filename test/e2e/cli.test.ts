// The built `feedin` as a user meets it (issue 11 item 19): every command and sub-command answers
// --help on standard output with exit 0; an unknown option, an unknown command, a file that is not
// an audit bundle and a contract refusal are each ONE line on standard error with the exit code of
// docs/cli.md — never a stack trace or an ethers error with calldata. The refusals come from a real
// anvil with the contracts deployed, through a data dir laid out as `feedin up` leaves it.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnvil, type StartAnvilReturnType } from '@feedin/contracts/anvil';
import { deployContracts } from '@feedin/contracts/deploy';
import { SANDBOX_TEST_ADDRESSES, SANDBOX_TEST_KEYS } from '@feedin/contracts/sandbox-test-keys';
import { freePort, runCli } from '../support/sandbox-process.js';

/** The commands and sub-commands of docs/cli.md. */
const COMMANDS: Array<[string, string[]]> = [
  ['up', []],
  ['sim', []],
  ['ocmf', ['verify']],
  ['p1', ['parse']],
  ['audit', ['verify', 'batch', 'meter']],
  ['meter', ['keygen', 'register', 'suspend', 'token', 'rotate-key', 'revoke-key']],
  ['regulator', ['pause', 'resume', 'end-sandbox', 'freeze', 'approve', 'reject', 'suspend-meter', 'audit-log']],
  ['payout', ['show', 'withdraw', 'sweep']],
  ['report', ['daily']],
  ['bench', []],
];
const INVOCATIONS = COMMANDS.flatMap(([command, verbs]) => [[command], ...verbs.map((verb) => [command, verb])]);
const PUBKEY = '02' + '79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798';

/** Runs the CLI for each argument list, a few at a time (the machine has 2 cores). */
async function runAll(lists: string[][], extra: string[]): Promise<Array<Awaited<ReturnType<typeof runCli>>>> {
  const results: Array<Awaited<ReturnType<typeof runCli>>> = [];
  let next = 0;
  const worker = async () => {
    while (next < lists.length) {
      const i = next++;
      results[i] = await runCli([...lists[i]!, ...extra], env);
    }
  };
  await Promise.all([worker(), worker(), worker()]);
  return results;
}

let dataDir: string;
let env: NodeJS.ProcessEnv;

/** Exactly one line on standard error, nothing on standard output, and this exit code. */
function expectOneLine(result: { code: number | null; stdout: string; stderr: string }, code: number): string {
  expect({ code: result.code, stdout: result.stdout, lines: result.stderr.trimEnd().split('\n').length }, result.stderr).toEqual({ code, stdout: '', lines: 1 });
  expect(result.stderr).not.toMatch(/\bat .*\.js:\d+|calldata|data=|0x[0-9a-f]{200}/);
  return result.stderr.trimEnd();
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'feedin-e2e-cli-'));
  env = { ...process.env, FEEDIN_DATA_DIR: dataDir };
});

describe('feedin --help and usage errors (the built CLI)', () => {
  it('answers --help for every command and sub-command on standard output, exit 0', async () => {
    const results = await runAll(INVOCATIONS, ['--help']);
    results.forEach((result, i) => {
      const args = INVOCATIONS[i]!;
      expect({ args, code: result.code, stderr: result.stderr }).toEqual({ args, code: 0, stderr: '' });
      expect(result.stdout, args.join(' ')).toMatch(new RegExp(`^usage: feedin ${args.join(' ')}`));
    });
    expect((await runCli(['meter', 'register', '-h'], env)).stdout).toMatch(/^usage: feedin meter register --id <id> --pubkey <hex> --payee <address> --capacity-w <W>/);
    const top = await runCli(['--help'], env);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain("'feedin <command> --help' shows a command's options");
  }, 120_000);

  it('refuses an unknown option of every command in one line, exit 2, before doing anything', async () => {
    const results = await runAll(INVOCATIONS, ['--no-such-option']);
    results.forEach((result, i) => {
      const args = INVOCATIONS[i]!;
      const hasVerbs = COMMANDS.find(([c]) => c === args[0])![1].length > 0;
      const line = expectOneLine(result, 2);
      // `feedin meter --no-such-option`: the option is taken for the missing sub-command.
      if (hasVerbs && args.length === 1) expect(line).toMatch(new RegExp(`^feedin: unknown ${args[0]} command '--no-such-option': one of .* \\(see 'feedin ${args[0]} --help'\\)$`));
      else expect(line).toBe(`feedin: unknown option '--no-such-option' (see 'feedin ${args.join(' ')} --help')`);
    });
  }, 120_000);

  it('names an unknown command, a missing value and a missing sub-command in one line, exit 2', async () => {
    expect(expectOneLine(await runCli(['frobnicate'], env), 2)).toBe("feedin: unknown command 'frobnicate' (see 'feedin --help')");
    expect(expectOneLine(await runCli(['report', 'daily', '--date'], env), 2)).toBe("feedin: --date needs a value (see 'feedin report daily --help')");
    expect(expectOneLine(await runCli(['regulator'], env), 2)).toBe(
      "feedin: which regulator command? pause|resume|end-sandbox|freeze|approve|reject|suspend-meter|audit-log (see 'feedin regulator --help')",
    );
  });

  it('audit verify says a saved API error, or a file that is not JSON, is not an audit bundle (exit 2)', async () => {
    const saved = join(dataDir, 'saved-error.json');
    await writeFile(saved, JSON.stringify({ error: { code: 'not-found', message: 'claim HCM-0001 of batch 9 not found' } }));
    expect(expectOneLine(await runCli(['audit', 'verify', saved], env), 2)).toBe(
      `feedin: ${saved} is not an audit bundle: it is an error answer of the API (not-found: claim HCM-0001 of batch 9 not found); fetch the bundle again from GET /api/batches/:batchId/claims/:meterId/audit`,
    );
    expect(expectOneLine(await runCli(['audit', 'verify', '-'], env, '{"batches":[]}'), 2)).toBe('feedin: - is not an audit bundle: version null is not 1');
    expect(expectOneLine(await runCli(['audit', 'verify', '-'], env, '<html>'), 2)).toMatch(/^feedin: - is not an audit bundle: not JSON \(/);
  });
});

describe('contract refusals from the CLI (a real anvil with the contracts deployed)', () => {
  let anvil: StartAnvilReturnType;

  beforeAll(async () => {
    anvil = await startAnvil({ chainId: 31337, port: await freePort() });
    const [, gateway, regulator, operator] = SANDBOX_TEST_ADDRESSES;
    const deployment = await deployContracts({
      rpcUrl: anvil.rpcUrl,
      chainId: 31337,
      deployerKey: SANDBOX_TEST_KEYS[0]!,
      roles: { gateway: gateway!, regulator: regulator!, operator: operator! },
      token: { name: 'Sandbox Dong', symbol: 'sVND', decimals: 0, initialEscrow: 1_000_000n },
      challengeWindowSeconds: 60,
      pollingIntervalMs: 20,
    });
    // What `feedin up` leaves in the data dir for the one-shot commands (cli/src/data-dir.ts).
    await mkdir(join(dataDir, 'chain'), { recursive: true });
    await writeFile(join(dataDir, 'chain', 'deployment.json'), JSON.stringify(deployment));
    await writeFile(join(dataDir, 'runtime.json'), JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString(), httpUrl: 'http://127.0.0.1:9', mqtt: { host: '127.0.0.1', port: 9 }, rpcUrl: anvil.rpcUrl, chainId: 31337, configPath: '' }));
    await writeFile(join(dataDir, 'clock.json'), JSON.stringify({ wallMs: Date.now(), sandboxMs: Date.parse('2026-11-22T03:00:00Z'), speed: 1 }));
  }, 60_000);

  afterAll(async () => {
    await anvil?.stop();
  });

  it('meter register twice: the second is "meter … is already registered" in one line, exit 1', async () => {
    const args = ['meter', 'register', '--id', 'CLI-0001', '--pubkey', PUBKEY, '--payee', SANDBOX_TEST_ADDRESSES[5]!, '--capacity-w', '5000'];
    const first = await runCli(args, env);
    expect(first.code, first.stderr).toBe(0);
    expect(expectOneLine(await runCli(args, env), 1)).toBe('feedin: the chain refused: meter CLI-0001 is already registered');
  });

  it('meter suspend twice: "already suspended (since …)"; a regulator action on a batch not on chain: "batch 7 is not on chain"', async () => {
    const suspend = ['meter', 'suspend', '--id', 'CLI-0001', '--from', '2026-11-22T10:15:00+07:00', '--reason', 'e2e'];
    const first = await runCli(suspend, env);
    expect(first.code, first.stderr).toBe(0);
    expect(expectOneLine(await runCli(suspend, env), 1)).toBe('feedin: the chain refused: meter CLI-0001 is already suspended (since 2026-11-22T03:15:00Z)');
    expect(expectOneLine(await runCli(['meter', 'suspend', '--id', 'NOPE-1', '--from', '2026-11-22T10:15:00+07:00'], env), 1)).toBe('feedin: the chain refused: meter NOPE-1 is not registered');
    expect(expectOneLine(await runCli(['regulator', 'approve', '7', '--reason', 'e2e'], env), 1)).toBe('feedin: approve 7: batch 7 is not on chain');
    expect(expectOneLine(await runCli(['regulator', 'resume', '--reason', 'e2e'], env), 1)).toBe('feedin: resume: settlement is not paused');
  });

  it('a chain that cannot be reached is one line too, exit 3', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const line = expectOneLine(await runCli(['meter', 'register', '--id', 'CLI-0002', '--pubkey', PUBKEY, '--payee', SANDBOX_TEST_ADDRESSES[5]!, '--capacity-w', '5000', '--rpc', dead], env), 3);
    expect(line).toMatch(/^feedin: the chain cannot be reached: /);
  });
});

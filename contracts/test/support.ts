// Shared fixtures of the contract tests: one anvil per test file, a fresh deployment per test,
// a client per role, exact-revert assertions and chain-time control.
import { expect } from 'vitest';
import { keccak256, toUtf8Bytes } from 'ethers';
import type { Hex } from '@feedin/protocol/hex';
import { startAnvil, type StartAnvilParameters, type StartAnvilReturnType } from '../src/anvil.js';
import { createChainClient, type ChainClient } from '../src/chain-client.js';
import { ChainError } from '../src/chain-error.js';
import { deployContracts, type Deployment } from '../src/deploy.js';
import { SANDBOX_TEST_ADDRESSES, SANDBOX_TEST_KEYS } from '../src/sandbox-test-keys.js';

export const ROLE = {
  DEFAULT_ADMIN: `0x${'00'.repeat(32)}` as Hex,
  OPERATOR: keccak256(toUtf8Bytes('OPERATOR_ROLE')) as Hex,
  REGULATOR: keccak256(toUtf8Bytes('REGULATOR_ROLE')) as Hex,
  GATEWAY: keccak256(toUtf8Bytes('GATEWAY_ROLE')) as Hex,
};

/** anvil accounts by the part they play in the tests */
export const ACCOUNT = {
  deployer: SANDBOX_TEST_ADDRESSES[0]!,
  gateway: SANDBOX_TEST_ADDRESSES[1]!,
  regulator: SANDBOX_TEST_ADDRESSES[2]!,
  operator: SANDBOX_TEST_ADDRESSES[3]!,
  outsider: SANDBOX_TEST_ADDRESSES[4]!,
  payeeA: SANDBOX_TEST_ADDRESSES[5]!,
  payeeB: SANDBOX_TEST_ADDRESSES[6]!,
  payeeC: SANDBOX_TEST_ADDRESSES[7]!,
};
const KEY = {
  deployer: SANDBOX_TEST_KEYS[0]!,
  gateway: SANDBOX_TEST_KEYS[1]!,
  regulator: SANDBOX_TEST_KEYS[2]!,
  operator: SANDBOX_TEST_KEYS[3]!,
  outsider: SANDBOX_TEST_KEYS[4]!,
};

export interface Fixture {
  deployment: Deployment;
  deployer: ChainClient;
  gateway: ChainClient;
  regulator: ChainClient;
  operator: ChainClient;
  outsider: ChainClient;
  reader: ChainClient;
  close(): void;
}

export async function startChain(options: StartAnvilParameters = {}): Promise<StartAnvilReturnType> {
  return startAnvil({ chainId: 31337, ...options });
}

export async function deployFixture(
  rpcUrl: string,
  options: { challengeWindowSeconds?: number; initialEscrow?: bigint; batchCap?: bigint; budget?: bigint } = {},
): Promise<Fixture> {
  const deployment = await deployContracts({
    rpcUrl,
    chainId: 31337,
    deployerKey: KEY.deployer,
    roles: { gateway: ACCOUNT.gateway, regulator: ACCOUNT.regulator, operator: ACCOUNT.operator },
    token: { name: 'Sandbox Dong', symbol: 'sVND', decimals: 0, initialEscrow: options.initialEscrow ?? 1_000_000n },
    challengeWindowSeconds: options.challengeWindowSeconds ?? 60,
    limits: { batchCap: options.batchCap, budget: options.budget },
    pollingIntervalMs: 20,
  });
  const client = (signerKey?: Hex) =>
    createChainClient({ rpcUrl, chainId: 31337, deployment, pollingIntervalMs: 20, ...(signerKey ? { signerKey } : {}) });
  const clients = {
    deployer: client(KEY.deployer),
    gateway: client(KEY.gateway),
    regulator: client(KEY.regulator),
    operator: client(KEY.operator),
    outsider: client(KEY.outsider),
    reader: client(),
  };
  return { deployment, ...clients, close: () => Object.values(clients).forEach((c) => c.close()) };
}

/** The promise must fail with a ChainError 'reverted' carrying exactly this custom error. */
export async function expectRevert(promise: Promise<unknown>, name: string, args: unknown[]): Promise<ChainError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ChainError);
  const chainError = error as ChainError;
  expect({ code: chainError.code, revert: chainError.revert }).toEqual({ code: 'reverted', revert: { name, args } });
  return chainError;
}

export function unauthorized(account: Hex, role: Hex): [string, unknown[]] {
  return ['AccessControlUnauthorizedAccount', [account, role]];
}

export async function rpc(rpcUrl: string, method: string, params: unknown[] = []): Promise<unknown> {
  const response = await fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

/** Moves chain time forward and mines a block so that views see it. */
export async function increaseTime(rpcUrl: string, seconds: number): Promise<void> {
  await rpc(rpcUrl, 'evm_increaseTime', [seconds]);
  await rpc(rpcUrl, 'evm_mine');
}

export function root(byte: number): Hex {
  return `0x${byte.toString(16).padStart(2, '0').repeat(32)}` as Hex;
}

/** A valid SEC1 compressed secp256k1 public key (anvil account 0's). */
export const PUBLIC_KEY: Hex = '0x038318535b54105d4a7aae60c08fc45f9687181b4fdfc625bd1a753fa7397fed75';

export const events = (tx: { events: readonly { name: string; args: unknown }[] }) => tx.events.map((e) => ({ name: e.name, args: e.args }));

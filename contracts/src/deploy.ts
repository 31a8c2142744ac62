// Deploys token, registry and settlement, grants the roles and funds the escrow. The deployer
// keeps DEFAULT_ADMIN_ROLE on all three (sandbox: it stands for the sandbox authority).
import { ContractFactory, FetchRequest, JsonRpcProvider, Network, Wallet, keccak256 } from 'ethers';
import type { Hex } from '@feedin/protocol/hex';
import { loadArtifact, type ContractName } from './artifacts.js';
import { ChainError, toChainError } from './chain-error.js';
import { NO_CAP, type Deployment } from './chain-types.js';
import { contractInterface } from './contract-interfaces.js';
import { EVM_VERSION } from './evm-version.js';
import { createTransactionSender, type SentTransaction } from './transaction-sender.js';

export type { Deployment } from './chain-types.js';

export interface DeployContractsParameters {
  rpcUrl: string;
  chainId: number;
  deployerKey: Hex;
  /** addresses that receive GATEWAY_ROLE, REGULATOR_ROLE and OPERATOR_ROLE */
  roles: { gateway: Hex; regulator: Hex; operator: Hex };
  token: { name: string; symbol: string; decimals: number; initialEscrow: bigint };
  challengeWindowSeconds: number;
  /** undefined = no cap (type(uint256).max) */
  limits?: { batchCap?: bigint | undefined; budget?: bigint | undefined };
  /** default 250 */
  pollingIntervalMs?: number;
}

const role = (name: string) => keccak256(new TextEncoder().encode(name)) as Hex;

export async function deployContracts(parameters: DeployContractsParameters): Promise<Deployment> {
  const { chainId, roles, token } = parameters;
  if (!Number.isInteger(token.decimals) || token.decimals < 0 || token.decimals > 255)
    throw new RangeError(`deployContracts: token.decimals must be 0..255, got ${token.decimals}`);
  if (!Number.isInteger(parameters.challengeWindowSeconds) || parameters.challengeWindowSeconds < 0)
    throw new RangeError(`deployContracts: challengeWindowSeconds must be a non-negative integer, got ${parameters.challengeWindowSeconds}`);
  const provider = connect(parameters.rpcUrl, chainId, parameters.pollingIntervalMs ?? 250);
  try {
    await checkChainId(provider, chainId);
    const wallet = new Wallet(parameters.deployerKey, provider);
    const sender = createTransactionSender({ provider, wallet, chainId });
    const create = (name: ContractName, args: unknown[]) => {
      const artifact = loadArtifact(name);
      const data = new ContractFactory(artifact.abi as never, artifact.bytecode).interface.encodeDeploy(args);
      return sender.send({ to: undefined, data: (artifact.bytecode + data.slice(2)) as Hex, label: `deploy ${name}` });
    };
    const created = (tx: SentTransaction) => tx.contractAddress!;

    // Creations are independent, so they go out as one burst; grants need the code in place.
    const [tokenTx, registryTx] = await Promise.all([
      create('SettlementToken', [token.name, token.symbol, token.decimals, wallet.address]),
      create('MeterRegistry', [wallet.address]),
    ]);
    const settlementTx = await create('Settlement', [
      created(tokenTx),
      created(registryTx),
      wallet.address,
      parameters.challengeWindowSeconds,
      parameters.limits?.batchCap ?? NO_CAP,
      parameters.limits?.budget ?? NO_CAP,
    ]);
    const addresses = { token: created(tokenTx), registry: created(registryTx), settlement: created(settlementTx) };

    const registry = contractInterface('MeterRegistry');
    const settlement = contractInterface('Settlement');
    const grant = (to: Hex, iface: typeof registry, roleName: string, account: Hex) =>
      sender.send({ to, data: iface.encodeFunctionData('grantRole', [role(roleName), account]) as Hex, label: `grant ${roleName}` });
    const setup = [
      grant(addresses.registry, registry, 'OPERATOR_ROLE', roles.operator),
      grant(addresses.registry, registry, 'REGULATOR_ROLE', roles.regulator),
      grant(addresses.settlement, settlement, 'GATEWAY_ROLE', roles.gateway),
      grant(addresses.settlement, settlement, 'REGULATOR_ROLE', roles.regulator),
      grant(addresses.settlement, settlement, 'OPERATOR_ROLE', roles.operator),
    ];
    if (token.initialEscrow > 0n) {
      const data = contractInterface('SettlementToken').encodeFunctionData('mint', [addresses.settlement, token.initialEscrow]) as Hex;
      setup.push(sender.send({ to: addresses.token, data, label: 'mint initial escrow' }));
    }
    await Promise.all(setup);

    const codeHash = async (address: Hex) => keccak256(await provider.getCode(address)) as Hex;
    return {
      chainId,
      ...addresses,
      deployedAtBlock: Math.min(tokenTx.blockNumber, registryTx.blockNumber, settlementTx.blockNumber),
      evmVersion: EVM_VERSION,
      codeHashes: {
        token: await codeHash(addresses.token),
        registry: await codeHash(addresses.registry),
        settlement: await codeHash(addresses.settlement),
      },
    };
  } catch (error) {
    throw toChainError(error, 'deployContracts');
  } finally {
    provider.destroy();
  }
}

/** Whether the deployment's contracts are (still) on this chain: code at each address, equal to the
 * recorded code hash when there is one, and the chain id as recorded. Unreachable → ChainError. */
export async function verifyDeployment(rpcUrl: string, deployment: Deployment): Promise<boolean> {
  const provider = connect(rpcUrl, deployment.chainId, 250);
  try {
    const chainId = Number((await provider.send('eth_chainId', [])) as string);
    if (chainId !== deployment.chainId) return false;
    for (const key of ['token', 'registry', 'settlement'] as const) {
      const code = await provider.getCode(deployment[key]);
      if (code === '0x') return false;
      const expected = deployment.codeHashes?.[key];
      if (expected && keccak256(code) !== expected) return false;
    }
    return true;
  } catch (error) {
    throw toChainError(error, 'verifyDeployment');
  } finally {
    provider.destroy();
  }
}

function connect(rpcUrl: string, chainId: number, pollingInterval: number): JsonRpcProvider {
  const request = new FetchRequest(rpcUrl);
  request.timeout = 10_000;
  const network = Network.from(chainId);
  return new JsonRpcProvider(request, network, { staticNetwork: network, pollingInterval, cacheTimeout: -1 });
}

async function checkChainId(provider: JsonRpcProvider, chainId: number): Promise<void> {
  const actual = Number((await provider.send('eth_chainId', [])) as string);
  if (actual !== chainId) throw new ChainError('unknown', `deployContracts: the node's chain id is ${actual}, expected ${chainId}`);
}

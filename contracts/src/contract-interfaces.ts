// ethers Interfaces of the three contracts, built once from the compiled artifacts.
import { Interface } from 'ethers';
import { loadArtifact, type ContractName } from './artifacts.js';

const cache = new Map<ContractName, Interface>();

export function contractInterface(name: ContractName): Interface {
  let iface = cache.get(name);
  if (!iface) {
    iface = new Interface(loadArtifact(name).abi as never);
    cache.set(name, iface);
  }
  return iface;
}

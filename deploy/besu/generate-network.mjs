#!/usr/bin/env node
// Generates the 4-validator Besu QBFT network of docker-compose.yml: validator node keys, the
// genesis (with the validators RLP-encoded into extraData) and validators.json (addresses, enode
// public keys). Deterministic: run it again and the files come out byte for byte the same.
//
// SANDBOX TEST KEYS: every node key made here is derived from a public string
// (sha256("feedin sandbox besu validator <n>")), so anyone can recompute it. They exist only so
// that the sandbox consortium starts with one command. Never use them for a real network: there,
// each validator operator makes its own key (`besu public-key export …`) and only addresses are shared.
//
// Usage: node deploy/besu/generate-network.mjs [--chain-id 1337] [--block-period 2]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3';
import { sha256 } from '@noble/hashes/sha2';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({ options: { 'chain-id': { type: 'string', default: '1337' }, 'block-period': { type: 'string', default: '2' } } });
const chainId = Number(values['chain-id']);
const blockPeriodSeconds = Number(values['block-period']);
const VALIDATORS = 4;

const hex = (bytes) => Buffer.from(bytes).toString('hex');

// RLP (Ethereum yellow paper, appendix B): enough for byte strings and lists.
function rlp(item) {
  if (Array.isArray(item)) return withLength(Buffer.concat(item.map(rlp)), 0xc0);
  const bytes = Buffer.from(item);
  if (bytes.length === 1 && bytes[0] < 0x80) return bytes;
  return withLength(bytes, 0x80);
}
function withLength(body, offset) {
  if (body.length < 56) return Buffer.concat([Buffer.of(offset + body.length), body]);
  const len = Buffer.from(body.length.toString(16).padStart(2 * Math.ceil(body.length.toString(16).length / 2), '0'), 'hex');
  return Buffer.concat([Buffer.of(offset + 55 + len.length), len, body]);
}

const validators = [];
for (let n = 1; n <= VALIDATORS; n++) {
  const privateKey = sha256(new TextEncoder().encode(`feedin sandbox besu validator ${n}`));
  const publicKey = secp256k1.getPublicKey(privateKey, false).subarray(1); // X‖Y, as in an enode URL
  const address = '0x' + hex(keccak_256(publicKey).subarray(12));
  const dir = join(here, 'keys', `validator-${n}`);
  mkdirSync(dir, { recursive: true });
  // Besu's --node-private-key-file format: 0x-prefixed hex.
  writeFileSync(join(dir, 'key'), `0x${hex(privateKey)}`);
  writeFileSync(join(dir, 'key.pub'), `0x${hex(publicKey)}`);
  validators.push({ name: `besu-${n}`, address, enodePublicKey: hex(publicKey) });
}

// QBFT extraData = RLP([32-byte vanity, [validator addresses], votes [], round (empty = 0), seals []]).
const extraData = rlp([Buffer.alloc(32), validators.map((v) => Buffer.from(v.address.slice(2), 'hex')), [], Buffer.alloc(0), []]);

const genesis = {
  config: {
    chainId,
    homesteadBlock: 0,
    eip150Block: 0,
    eip155Block: 0,
    eip158Block: 0,
    byzantiumBlock: 0,
    constantinopleBlock: 0,
    petersburgBlock: 0,
    istanbulBlock: 0,
    muirGlacierBlock: 0,
    berlinBlock: 0,
    londonBlock: 0,
    // docs/design.md §Chain: the milestone equals solc's evmVersion and anvil's --hardfork
    // (contracts/src/evm-version.ts).
    shanghaiTime: 0,
    cancunTime: 0,
    // Free gas: base fee fixed at 0 (with --min-gas-price=0 on every node), so signers need no ether.
    zeroBaseFee: true,
    qbft: { blockperiodseconds: blockPeriodSeconds, epochlength: 30000, requesttimeoutseconds: 2 * blockPeriodSeconds + 2 },
  },
  nonce: '0x0',
  timestamp: '0x0',
  gasLimit: '0x1fffffffffffff',
  difficulty: '0x1',
  baseFeePerGas: '0x0',
  // "Istanbul BFT" mix hash that QBFT blocks carry.
  mixHash: '0x63746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365',
  coinbase: '0x0000000000000000000000000000000000000000',
  alloc: {},
  extraData: '0x' + hex(extraData),
};

writeFileSync(join(here, 'genesis.json'), JSON.stringify(genesis, null, 2) + '\n');
writeFileSync(join(here, 'validators.json'), JSON.stringify({ note: 'SANDBOX TEST KEYS: derived from public strings, see generate-network.mjs', chainId, validators }, null, 2) + '\n');
writeFileSync(join(here, 'keys', 'README.md'), '# SANDBOX TEST KEYS\n\nThese validator node keys are derived from public strings by `../generate-network.mjs`.\nAnyone can recompute them. They exist only for the local docker-compose consortium.\nNever use them for a real network.\n');
console.log(`genesis.json for chain ${chainId} (${blockPeriodSeconds} s blocks), validators:`);
for (const v of validators) console.log(`  ${v.name} ${v.address} enode://${v.enodePublicKey}@…:30303`);

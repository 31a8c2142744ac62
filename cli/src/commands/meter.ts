// feedin meter keygen | register | suspend | token
import { parseArgs } from 'node:util';
import { readFile, writeFile } from 'node:fs/promises';
import { generatePrivateKey, publicKeyFromPrivate, decodePublicKey } from '@feedin/protocol/public-key';
import { bytesToHex, hexToBytes, type Hex } from '@feedin/protocol/hex';
import { signMeterJwt } from '@feedin/protocol/jwt';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { CliError } from '../cli-error.js';
import { sandboxTimeOption } from '../cli-locale.js';
import { sandboxChain, sandboxContext } from '../sandbox-context.js';
import { sandboxNowMs } from '../sandbox-now.js';
import { isMeterId, METER_ID_RULE } from '@feedin/protocol/meter-id';


export async function meter(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  switch (verb) {
    case 'keygen':
      return keygen(rest);
    case 'register':
      return register(rest);
    case 'suspend':
      return suspend(rest);
    case 'token':
      return token(rest);
    case 'rotate-key':
      return rotateKey(rest);
    case 'revoke-key':
      return revokeKey(rest);
    default:
      throw new CliError('usage: feedin meter keygen|register|suspend|token|rotate-key|revoke-key …');
  }
}

async function keygen(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { out: { type: 'string', default: 'meter.key' }, force: { type: 'boolean' } } });
  const privateKey = generatePrivateKey();
  try {
    // The private key goes to a 0600 file only; it is never printed.
    await writeFile(values.out!, bytesToHex(privateKey).slice(2) + '\n', { mode: 0o600, flag: values.force ? 'w' : 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new CliError(`${values.out} exists; pass --force to overwrite or --out <file>`);
    throw error;
  }
  const publicKey = publicKeyFromPrivate(privateKey);
  console.log(JSON.stringify({ keyFile: values.out, publicKey: bytesToHex(publicKey).slice(2), curve: 'secp256k1' }));
  return 0;
}

async function readPrivateKey(file: string): Promise<Uint8Array> {
  let text: string;
  try {
    text = (await readFile(file, 'utf8')).trim();
  } catch (error) {
    throw new CliError(`cannot read key file ${file}: ${(error as NodeJS.ErrnoException).code}`);
  }
  let key: Uint8Array;
  try {
    key = hexToBytes(text);
  } catch {
    throw new CliError(`${file} does not hold a hex secp256k1 private key`);
  }
  if (key.length !== 32 || !secp256k1.utils.isValidSecretKey(key)) throw new CliError(`${file} does not hold a valid secp256k1 private key`);
  return key;
}

function requireMeterId(id: string | undefined): string {
  if (!id) throw new CliError('missing --id <meterId>');
  if (!isMeterId(id)) throw new CliError(`--id ${JSON.stringify(id)}: a meter id is ${METER_ID_RULE}`);
  return id;
}

async function token(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { id: { type: 'string' }, key: { type: 'string' }, ttl: { type: 'string', default: '600' } } });
  const meterId = requireMeterId(values.id);
  if (!values.key) throw new CliError('missing --key <file> (the device private key file from feedin meter keygen)');
  const ttl = Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl <= 0 || ttl > 86_400) throw new CliError('--ttl: seconds between 1 and 86400');
  const privateKey = await readPrivateKey(values.key);
  // JWT times are wall-clock (DESIGN: Clocks), whatever the sandbox clock speed.
  const nowSec = Math.floor(Date.now() / 1000);
  console.log(signMeterJwt({ meterId, issuedAtSec: nowSec, expiresAtSec: nowSec + ttl }, privateKey));
  return 0;
}

async function register(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { id: { type: 'string' }, pubkey: { type: 'string' }, payee: { type: 'string' }, 'capacity-w': { type: 'string' }, rpc: { type: 'string' } },
  });
  const meterId = requireMeterId(values.id);
  if (!values.pubkey) throw new CliError('missing --pubkey <hex> (the meter public key)');
  const key = decodePublicKey(values.pubkey, 'secp256k1');
  if (!key.ok) throw new CliError(`--pubkey: ${key.reason}: ${key.detail}`);
  if (key.value.curve !== 'secp256k1') throw new CliError(`--pubkey: registry keys are secp256k1, got ${key.value.curve}`);
  if (!values.payee || !/^0x[0-9a-fA-F]{40}$/.test(values.payee)) throw new CliError('--payee: an EVM address (0x + 40 hex digits)');
  const capacityW = Number(values['capacity-w']);
  if (!Number.isInteger(capacityW) || capacityW <= 0 || capacityW > 4_294_967_295) throw new CliError('--capacity-w: installed capacity in watts, a positive integer');

  const ctx = await sandboxContext();
  const { chain } = await sandboxChain(ctx, { rpcUrl: values.rpc, role: 'operator' });
  const compressed = secp256k1.Point.fromBytes(key.value.point).toBytes(true);
  const receipt = await chain.registerMeter({ meterId, publicKey: compressed, payee: values.payee as Hex, capacityW });
  console.log(JSON.stringify({ meterId, registered: true, txHash: receipt.txHash, blockNumber: receipt.blockNumber }));
  return 0;
}

async function suspend(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { id: { type: 'string' }, from: { type: 'string' }, reason: { type: 'string', default: 'suspended by operator' }, rpc: { type: 'string' } } });
  const meterId = requireMeterId(values.id);
  const ctx = await sandboxContext();
  // DESIGN: readings follow the sandbox clock, so "now" is the sandbox's, not the wall's.
  const fromMs = await sandboxFrom(ctx, values.from);
  const { chain } = await sandboxChain(ctx, { rpcUrl: values.rpc, role: 'operator' });
  const receipt = await chain.suspendMeter({ meterId, fromSec: Math.floor(fromMs / 1000), reason: values.reason! });
  console.log(JSON.stringify({ meterId, suspendedFrom: new Date(fromMs).toISOString(), txHash: receipt.txHash }));
  return 0;
}

/** --from as sandbox ms: ISO 8601, without an offset in the sandbox's zone; default the sandbox clock's now. */
async function sandboxFrom(ctx: Awaited<ReturnType<typeof sandboxContext>>, from: string | undefined): Promise<number> {
  if (from === undefined) return sandboxNowMs(ctx);
  return sandboxTimeOption('from', from, ctx.config.sandbox.timeZone);
}

// Key rotation: the device keeps its pagination (PG) and signs with the new key from --from on;
// readings taken before it are still checked with the old key.
async function rotateKey(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { id: { type: 'string' }, pubkey: { type: 'string' }, from: { type: 'string' }, reason: { type: 'string', default: 'key rotation' }, rpc: { type: 'string' } },
  });
  const meterId = requireMeterId(values.id);
  if (!values.pubkey) throw new CliError('missing --pubkey <hex> (the new public key, from feedin meter keygen on the device)');
  const key = decodePublicKey(values.pubkey, 'secp256k1');
  if (!key.ok) throw new CliError(`--pubkey: ${key.reason}: ${key.detail}`);
  if (key.value.curve !== 'secp256k1') throw new CliError(`--pubkey: registry keys are secp256k1, got ${key.value.curve}`);
  const ctx = await sandboxContext();
  const fromMs = await sandboxFrom(ctx, values.from);
  const { chain } = await sandboxChain(ctx, { rpcUrl: values.rpc, role: 'operator' });
  try {
    const compressed = secp256k1.Point.fromBytes(key.value.point).toBytes(true);
    // Whole seconds on chain, rounded up: the old key still covers everything before --from.
    const validFromSec = Math.ceil(fromMs / 1000);
    const receipt = await chain.rotateKey({ meterId, publicKey: compressed, validFromSec, reason: values.reason! });
    console.log(JSON.stringify({ meterId, validFrom: new Date(validFromSec * 1000).toISOString(), txHash: receipt.txHash, gasUsed: receipt.gasUsed.toString() }));
  } finally {
    chain.close();
  }
  return 0;
}

async function revokeKey(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { id: { type: 'string' }, from: { type: 'string' }, reason: { type: 'string', default: 'key revoked' }, rpc: { type: 'string' } } });
  const meterId = requireMeterId(values.id);
  const ctx = await sandboxContext();
  const fromMs = await sandboxFrom(ctx, values.from);
  const { chain } = await sandboxChain(ctx, { rpcUrl: values.rpc, role: 'operator' });
  try {
    const fromSec = Math.floor(fromMs / 1000);
    const receipt = await chain.revokeKey({ meterId, fromSec, reason: values.reason! });
    console.log(JSON.stringify({ meterId, revokedFrom: new Date(fromSec * 1000).toISOString(), txHash: receipt.txHash, gasUsed: receipt.gasUsed.toString() }));
  } finally {
    chain.close();
  }
  return 0;
}

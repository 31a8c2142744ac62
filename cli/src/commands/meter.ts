// feedin meter keygen | register | suspend | token | rotate-key | cancel-rotation | revoke-key
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { readFile, writeFile } from 'node:fs/promises';
import { generatePrivateKey, publicKeyFromPrivate, decodePublicKey } from '@feedin/protocol/public-key';
import { bytesToHex, hexToBytes, type Hex } from '@feedin/protocol/hex';
import { signMeterJwt } from '@feedin/protocol/jwt';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { CliError } from '../cli-error.js';
import { verbError, type CommandHelp } from '../command-line.js';
import { sandboxTimeOption } from '../cli-locale.js';
import { sandboxChain, sandboxContext } from '../sandbox-context.js';
import { sandboxNowMs } from '../sandbox-now.js';
import { isMeterId, METER_ID_RULE } from '@feedin/protocol/meter-id';


const RPC = '  --rpc <url>   chain RPC (default: the running sandbox\'s)';
const CHAIN_EXIT = 'Exit: 0 done, 1 the chain refused (the reason in words), 2 bad input, 3 chain unreachable.';

export const help: CommandHelp = {
  usage: `usage: feedin meter keygen|register|suspend|token|rotate-key|cancel-rotation|revoke-key …

  keygen       make a device key (secp256k1) in a 0600 file, print its public key
  register     register a meter in the on-chain registry (operator key)
  suspend      suspend a meter from a time on (operator key)
  token        print an ES256K JWT with which a device logs in to the broker
  rotate-key       a new key signs from a time on; the old one still covers earlier readings
  cancel-rotation  withdraw a scheduled rotation before it takes effect
  revoke-key       refuse readings signed with the key in force at a time, from then on
'feedin meter <command> --help' for each (docs/cli.md).`,
  verbs: {
    keygen: `usage: feedin meter keygen [--out meter.key] [--force]

Writes a new secp256k1 device key to a 0600 file (--force overwrites) and prints
{"keyFile","publicKey","curve"}. The private key is never printed.`,
    register: `usage: feedin meter register --id <id> --pubkey <hex> --payee <address> --capacity-w <W> [--rpc <url>]

Registers a meter in the on-chain registry as the operator.
  --id <id>            1-32 characters of [A-Za-z0-9._-]
  --pubkey <hex>       the meter's secp256k1 public key (from 'feedin meter keygen')
  --payee <address>    who is paid for its export
  --capacity-w <W>     installed capacity in watts
${RPC}
${CHAIN_EXIT}`,
    suspend: `usage: feedin meter suspend --id <id> [--from <ISO time>] [--reason <text>] [--rpc <url>]

Suspends a meter as the operator: its readings from --from on (default: the sandbox clock's now)
are refused. The reason's keccak256 is recorded on chain.
${RPC}
${CHAIN_EXIT}`,
    token: `usage: feedin meter token --id <id> --key <file> [--ttl 600]

Prints an ES256K JWT signed with the device key, with which a device (or mosquitto_pub) logs in to
the broker as that meter; --ttl in seconds (1-86400, wall-clock time).`,
    'rotate-key': `usage: feedin meter rotate-key --id <id> --pubkey <hex> [--from <ISO>] [--reason <text>] [--as operator|regulator] [--rpc <url>]

The new key signs readings from --from (default: the registry's sandbox now; never in the past, at
most the rotation horizon ahead); the old one still covers earlier readings. A rotation still
scheduled is replaced. --as regulator acts with the regulator key (whatever the operator scheduled).
${RPC}
${CHAIN_EXIT}`,
    'cancel-rotation': `usage: feedin meter cancel-rotation --id <id> [--reason <text>] [--as operator|regulator] [--rpc <url>]

Withdraws the meter's scheduled rotation before it takes effect (one the regulator scheduled can
only be cancelled --as regulator).
${RPC}
${CHAIN_EXIT}`,
    'revoke-key': `usage: feedin meter revoke-key --id <id> [--from <ISO>] [--reason <text>] [--as operator|regulator] [--rpc <url>]

Readings signed with the key in force at --from (default: the sandbox clock's now; may be
back-dated) are refused (key-revoked) and not paid from then on.
${RPC}
${CHAIN_EXIT}`,
  },
};

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
    case 'cancel-rotation':
      return cancelRotation(rest);
    default:
      throw verbError('meter', verb, help);
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
  const { values } = parseArgs({ args: argv, options: { id: { type: 'string' }, key: { type: 'string' }, ttl: { type: 'string', default: '300' } } });
  const meterId = requireMeterId(values.id);
  if (!values.key) throw new CliError('missing --key <file> (the device private key file from feedin meter keygen)');
  const ttl = Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl <= 0 || ttl > 86_400) throw new CliError('--ttl: seconds between 1 and 86400');
  const privateKey = await readPrivateKey(values.key);
  // JWT times are wall-clock (docs/design.md §Clocks), whatever the sandbox clock speed.
  const nowSec = Math.floor(Date.now() / 1000);
  // The gateway accepts each token once (its jti): one token per MQTT connection.
  console.log(signMeterJwt({ meterId, issuedAtSec: nowSec, expiresAtSec: nowSec + ttl, jwtId: randomBytes(16).toString('base64url') }, privateKey));
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
  // docs/design.md §Clocks: readings follow the sandbox clock, so "now" is the sandbox's, not the
  // wall's.
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

/** --as operator|regulator: whose key signs a key change (the regulator overrides the operator's). */
function keyActor(as: string | undefined): 'operator' | 'regulator' {
  if (as === undefined || as === 'operator' || as === 'regulator') return as ?? 'operator';
  throw new CliError(`--as: operator or regulator, got ${JSON.stringify(as)}`);
}

// Key rotation: the device keeps its pagination (PG) and signs with the new key from --from on;
// readings taken before it are still checked with the old key. Without --from the registry's own
// sandbox now is used (0 on chain), so the block's time cannot make "now" a back-dated rotation.
async function rotateKey(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { id: { type: 'string' }, pubkey: { type: 'string' }, from: { type: 'string' }, reason: { type: 'string', default: 'key rotation' }, as: { type: 'string' }, rpc: { type: 'string' } },
  });
  const meterId = requireMeterId(values.id);
  if (!values.pubkey) throw new CliError('missing --pubkey <hex> (the new public key, from feedin meter keygen on the device)');
  const key = decodePublicKey(values.pubkey, 'secp256k1');
  if (!key.ok) throw new CliError(`--pubkey: ${key.reason}: ${key.detail}`);
  if (key.value.curve !== 'secp256k1') throw new CliError(`--pubkey: registry keys are secp256k1, got ${key.value.curve}`);
  const role = keyActor(values.as);
  const ctx = await sandboxContext();
  const fromMs = values.from === undefined ? undefined : await sandboxFrom(ctx, values.from);
  const { chain } = await sandboxChain(ctx, { rpcUrl: values.rpc, role });
  try {
    const compressed = secp256k1.Point.fromBytes(key.value.point).toBytes(true);
    // Whole seconds on chain, rounded up: the old key still covers everything before --from.
    const validFromSec = fromMs === undefined ? 0 : Math.ceil(fromMs / 1000);
    const receipt = await chain.rotateKey({ meterId, publicKey: compressed, validFromSec, reason: values.reason! });
    const rotated = receipt.events.find((e) => e.name === 'MeterKeyRotated')?.args as { validFrom: bigint } | undefined;
    const cancelled = receipt.events.filter((e) => e.name === 'MeterKeyRotationCancelled').map((e) => new Date(Number((e.args as { validFrom: bigint }).validFrom) * 1000).toISOString());
    const validFrom = new Date(Number(rotated?.validFrom ?? BigInt(validFromSec)) * 1000).toISOString();
    console.log(JSON.stringify({ meterId, validFrom, replacedScheduled: cancelled, by: role, txHash: receipt.txHash, gasUsed: receipt.gasUsed.toString() }));
  } finally {
    chain.close();
  }
  return 0;
}

async function cancelRotation(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { id: { type: 'string' }, reason: { type: 'string', default: 'rotation cancelled' }, as: { type: 'string' }, rpc: { type: 'string' } } });
  const meterId = requireMeterId(values.id);
  const role = keyActor(values.as);
  const ctx = await sandboxContext();
  const { chain } = await sandboxChain(ctx, { rpcUrl: values.rpc, role });
  try {
    const receipt = await chain.cancelRotation({ meterId, reason: values.reason! });
    const cancelled = receipt.events.find((e) => e.name === 'MeterKeyRotationCancelled')?.args as { validFrom: bigint } | undefined;
    console.log(JSON.stringify({ meterId, cancelledValidFrom: cancelled ? new Date(Number(cancelled.validFrom) * 1000).toISOString() : null, by: role, txHash: receipt.txHash, gasUsed: receipt.gasUsed.toString() }));
  } finally {
    chain.close();
  }
  return 0;
}

// Revocation may be back-dated (--from in the past): readings signed with the key in force then
// are refused and not paid from that time on (docs/governance.md "Meter key lifecycle").
async function revokeKey(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { id: { type: 'string' }, from: { type: 'string' }, reason: { type: 'string', default: 'key revoked' }, as: { type: 'string' }, rpc: { type: 'string' } } });
  const meterId = requireMeterId(values.id);
  const role = keyActor(values.as);
  const ctx = await sandboxContext();
  const fromMs = await sandboxFrom(ctx, values.from);
  const { chain } = await sandboxChain(ctx, { rpcUrl: values.rpc, role });
  try {
    const fromSec = Math.floor(fromMs / 1000);
    const receipt = await chain.revokeKey({ meterId, fromSec, reason: values.reason! });
    console.log(JSON.stringify({ meterId, revokedFrom: new Date(fromSec * 1000).toISOString(), by: role, txHash: receipt.txHash, gasUsed: receipt.gasUsed.toString() }));
  } finally {
    chain.close();
  }
  return 0;
}

// The device's signing key: secp256k1, created once, stored as hex in
// <dataDir>/devices/<meterId>/key (file 0600, folder 0700). It never leaves this module: callers
// get the public key and a signer object whose methods close over the private key
// (docs/design.md §Device keys). It is never logged.
import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { hexToBytes, bytesToHex } from '@feedin/protocol/hex';
import { buildOcmfPayload, signOcmf, type ReadingFields } from '@feedin/protocol/ocmf-build';
import { signMeterJwt } from '@feedin/protocol/jwt';
import { generatePrivateKey, publicKeyFromPrivate } from '@feedin/protocol/public-key';
import { deviceDir } from './device-paths.js';

export interface DeviceSigner {
  readonly meterId: string;
  /** 33-byte compressed secp256k1 public key (what the meter registry stores) */
  readonly publicKey: Uint8Array;
  /** builds the OCMF payload for `fields` and returns the signed record `OCMF|…|…` */
  signReading(fields: Omit<ReadingFields, 'meterId'>): string;
  /** MQTT password: ES256K JWT with sub = meter id (wall-clock iat/exp) */
  signJwt(claims: { issuedAtSec: number; expiresAtSec: number }): string;
}

function keyPath(dataDir: string, meterId: string): string {
  return join(deviceDir(dataDir, meterId), 'key');
}

async function readKey(path: string): Promise<Uint8Array | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const hex = text.trim();
  if (!/^[0-9a-f]{64}$/i.test(hex)) throw new Error(`${path} is not a 32-byte hex secp256k1 key: fix or delete it (deleting gives the meter a new key that must be registered again)`);
  return hexToBytes(hex);
}

/** Writes the key under a temporary name, fsyncs it, then hard-links it into place: the final
 * name appears complete or not at all, and an existing key is never overwritten (link fails
 * with EEXIST when two processes race). */
async function writeKeyOnce(path: string, key: Uint8Array): Promise<void> {
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(`${bytesToHex(key).slice(2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await unlink(temp);
  }
}

async function ensurePrivateKey(dataDir: string, meterId: string): Promise<Uint8Array> {
  const path = keyPath(dataDir, meterId);
  const existing = await readKey(path);
  if (existing) return existing;
  const dir = deviceDir(dataDir, meterId);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  await writeKeyOnce(path, generatePrivateKey());
  const created = await readKey(path);
  if (!created) throw new Error(`${path} vanished right after it was created`);
  return created;
}

/** Creates the meter's key if it has none; answers only the public key. */
export async function ensureDeviceKey(dataDir: string, meterId: string): Promise<{ publicKey: Uint8Array }> {
  return { publicKey: publicKeyFromPrivate(await ensurePrivateKey(dataDir, meterId)) };
}

/** A signer for the meter (its key is created if missing). */
export async function loadDeviceSigner(dataDir: string, meterId: string): Promise<DeviceSigner> {
  const privateKey = await ensurePrivateKey(dataDir, meterId);
  const publicKey = publicKeyFromPrivate(privateKey);
  return Object.freeze({
    meterId,
    publicKey,
    signReading: (fields: Omit<ReadingFields, 'meterId'>) => signOcmf(buildOcmfPayload({ ...fields, meterId }), privateKey),
    signJwt: ({ issuedAtSec, expiresAtSec }: { issuedAtSec: number; expiresAtSec: number }) =>
      // a fresh jti per token: the gateway accepts each login token once
      signMeterJwt({ meterId, issuedAtSec, expiresAtSec, jwtId: randomBytes(16).toString('base64url') }, privateKey),
  });
}

// A device signer for a real meter whose key was made with `feedin meter keygen` (a file holding
// the 32-byte secp256k1 private key in hex). The key stays inside the closures below and is never
// logged (docs/design.md §Device keys). Same signing code as the simulated meters.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hexToBytes } from '@feedin/protocol/hex';
import { signMeterJwt } from '@feedin/protocol/jwt';
import { buildOcmfPayload, signOcmf } from '@feedin/protocol/ocmf-build';
import { publicKeyFromPrivate } from '@feedin/protocol/public-key';
import type { DeviceSigner } from '../device-keys.js';
import { isMeterId, METER_ID_RULE } from '@feedin/protocol/meter-id';

export async function loadKeyFileSigner(path: string, meterId: string): Promise<DeviceSigner> {
  if (!isMeterId(meterId)) throw new TypeError(`meterId: ${METER_ID_RULE}, got ${JSON.stringify(meterId)}`);
  const hex = (await readFile(path, 'utf8')).trim().replace(/^0x/i, '');
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new Error(`${path} does not hold a 32-byte hex secp256k1 private key (make one with: feedin meter keygen --out ${path})`);
  const privateKey = hexToBytes(hex);
  const publicKey = publicKeyFromPrivate(privateKey);
  const signer: DeviceSigner = {
    meterId,
    publicKey,
    signReading: (fields) => signOcmf(buildOcmfPayload({ ...fields, meterId }), privateKey),
    signJwt: ({ issuedAtSec, expiresAtSec }) => signMeterJwt({ meterId, issuedAtSec, expiresAtSec, jwtId: randomBytes(16).toString('base64url') }, privateKey),
  };
  return Object.freeze(signer);
}

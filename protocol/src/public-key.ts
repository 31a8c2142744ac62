// Meter public keys in the shapes people paste: hex (spaces and colons ignored, optional 0x) or
// base64, holding a DER SubjectPublicKeyInfo (curve from its OID), a SEC1 point (02/03/04…) or
// a raw X‖Y. Every point is checked to lie on its curve.
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { CURVE_OIDS, CURVES, FIELD_BYTES, type Curve } from './curves.js';
import { base64ToBytes, concatBytes, hexToBytes, isHex } from './hex.js';
import { fail, ok, type Result } from './result.js';

export type { Curve } from './curves.js';

export interface PublicKey {
  curve: Curve;
  /** SEC1 encoding, compressed or uncompressed */
  point: Uint8Array;
}

const EC_PUBLIC_KEY_OID = '1.2.840.10045.2.1';

function decodeText(text: string): Uint8Array | undefined {
  const hex = text.replace(/[\s:]/g, '').replace(/^0x/i, '');
  if (hex.length > 0 && isHex(hex)) return hexToBytes(hex);
  return base64ToBytes(text.replace(/\s+/g, ''));
}

function oidToString(bytes: Uint8Array): string {
  const parts = [Math.floor(bytes[0]! / 40), bytes[0]! % 40];
  let value = 0;
  for (const b of bytes.subarray(1)) {
    value = value * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) {
      parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

/** Minimal DER TLV reader: enough for SubjectPublicKeyInfo, strict about lengths. */
function readTlv(bytes: Uint8Array, at: number): { tag: number; body: Uint8Array; next: number } | undefined {
  if (at + 2 > bytes.length) return undefined;
  const tag = bytes[at]!;
  let len = bytes[at + 1]!;
  let offset = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 2 || offset + n > bytes.length) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + bytes[offset + i]!;
    offset += n;
  }
  if (offset + len > bytes.length) return undefined;
  return { tag, body: bytes.subarray(offset, offset + len), next: offset + len };
}

function fromSpki(der: Uint8Array): Result<PublicKey, 'unusable-key'> {
  const outer = readTlv(der, 0);
  if (!outer || outer.tag !== 0x30 || outer.next !== der.length) return fail('unusable-key', 'not a DER SubjectPublicKeyInfo');
  const alg = readTlv(outer.body, 0);
  if (!alg || alg.tag !== 0x30) return fail('unusable-key', 'SubjectPublicKeyInfo without an algorithm');
  const bits = readTlv(outer.body, alg.next);
  if (!bits || bits.tag !== 0x03 || bits.body[0] !== 0) return fail('unusable-key', 'SubjectPublicKeyInfo without a public key bit string');
  const algOid = readTlv(alg.body, 0);
  const curveOid = algOid ? readTlv(alg.body, algOid.next) : undefined;
  if (!algOid || algOid.tag !== 0x06 || oidToString(algOid.body) !== EC_PUBLIC_KEY_OID) return fail('unusable-key', 'not an elliptic-curve public key (id-ecPublicKey)');
  if (!curveOid || curveOid.tag !== 0x06) return fail('unusable-key', 'no named curve in the key');
  const curve = CURVE_OIDS[oidToString(curveOid.body)];
  if (!curve) return fail('unusable-key', `curve OID ${oidToString(curveOid.body)} is not supported (secp256k1, secp256r1, secp384r1)`);
  return checkPoint(curve, bits.body.subarray(1));
}

function checkPoint(curve: Curve, point: Uint8Array): Result<PublicKey, 'unusable-key'> {
  try {
    CURVES[curve].Point.fromBytes(point).assertValidity();
    return ok({ curve, point });
  } catch {
    return fail('unusable-key', `not a point on ${curve}`);
  }
}

export function decodePublicKey(text: string, curveHint?: Curve): Result<PublicKey, 'unusable-key'> {
  if (typeof text !== 'string' || text.length > 4096) return fail('unusable-key', 'a public key is a hex or base64 string');
  const bytes = decodeText(text.trim());
  if (!bytes || bytes.length === 0) return fail('unusable-key', 'the key is neither hex nor base64');
  if (bytes[0] === 0x30) return fromSpki(bytes);
  const first = bytes[0];
  const sec1Curve = (fieldBytes: number): Curve | undefined =>
    curveHint && FIELD_BYTES[curveHint] === fieldBytes ? curveHint : fieldBytes === 32 ? 'secp256k1' : fieldBytes === 48 ? 'secp384r1' : undefined;
  if ((first === 0x02 || first === 0x03) && (bytes.length === 33 || bytes.length === 49)) return checkPoint(sec1Curve(bytes.length - 1)!, bytes);
  if (first === 0x04 && (bytes.length === 65 || bytes.length === 97)) return checkPoint(sec1Curve((bytes.length - 1) / 2)!, bytes);
  if (bytes.length === 64 || bytes.length === 96) return checkPoint(sec1Curve(bytes.length / 2)!, concatBytes(Uint8Array.of(4), bytes));
  return fail('unusable-key', `${bytes.length} bytes is not a SubjectPublicKeyInfo, a SEC1 point or a raw X‖Y`);
}

/** A device's 33-byte compressed secp256k1 public key (what the meter registry stores). */
export function publicKeyFromPrivate(privateKey: Uint8Array): Uint8Array {
  return secp256k1.getPublicKey(privateKey, true);
}

export function generatePrivateKey(): Uint8Array {
  return secp256k1.utils.randomSecretKey();
}

const OID_BYTES: Record<Curve, number[]> = {
  secp256k1: [0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a],
  secp256r1: [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07],
  secp384r1: [0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22],
};

/** DER SubjectPublicKeyInfo, e.g. for `openssl pkey -pubin -inform DER`. */
export function encodePublicKeySpki(key: PublicKey): Uint8Array {
  const point = CURVES[key.curve].Point.fromBytes(key.point).toBytes(false);
  const algorithm = [0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, ...OID_BYTES[key.curve]];
  const algSeq = [0x30, algorithm.length, ...algorithm];
  const bitString = [0x03, point.length + 1, 0x00, ...point];
  const body = [...algSeq, ...bitString];
  return Uint8Array.from([0x30, ...(body.length > 127 ? [0x81, body.length] : [body.length]), ...body]);
}

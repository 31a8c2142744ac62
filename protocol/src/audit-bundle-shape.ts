// The structural check of an audit bundle (untrusted JSON from a file or a URL): every field the
// audit checks read must be present with the right type before any of them runs, so the checks
// themselves never meet an `undefined` and never throw.
import type { AuditBundle } from './audit-bundle.js';

const UINT = /^(0|[1-9]\d{0,77})$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
const CURVES = ['secp256k1', 'secp256r1', 'secp384r1'];

type Check = (v: unknown) => boolean;
const uint: Check = (v) => typeof v === 'string' && UINT.test(v);
const address: Check = (v) => typeof v === 'string' && ADDRESS.test(v);
const bytes32: Check = (v) => typeof v === 'string' && BYTES32.test(v);
const str: Check = (v) => typeof v === 'string';
const int: Check = (v) => Number.isSafeInteger(v) && (v as number) >= 0;
const nullOr = (c: Check): Check => (v) => v === null || c(v);
/** a field bundles from before it existed lack */
const optional = (c: Check): Check => (v) => v === undefined || c(v);
const uint32: Check = (v) => int(v) && (v as number) <= 0xffff_ffff;
const arrayOf = (c: Check): Check => (v) => Array.isArray(v) && v.every(c);
const oneOf = (values: string[]): Check => (v) => typeof v === 'string' && values.includes(v);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** field → check, per section of the bundle (docs/design.md §Audits: the audit bundle) */
const SHAPE: Record<string, Record<string, Check>> = {
  chain: { chainId: int, rpcUrl: str, registry: address, settlement: address, token: address },
  batch: { shard: optional(uint32), batchId: uint, intervalStartSec: uint, intervalEndSec: uint, claimsRoot: bytes32, payoutsRoot: bytes32, txHash: nullOr(bytes32), blockNumber: nullOr(int) },
  claim: { meterId: str, intervalStartSec: uint, intervalEndSec: uint, exportWh: uint, amount: uint, payee: address, openingDigest: bytes32, closingDigest: bytes32 },
  'claim.pricing': { pricePerKWh: uint, carryIn: uint, carryOut: uint, paidWh: uint, flags: arrayOf(str) },
  leaf: { types: arrayOf(str), values: arrayOf(str), hash: bytes32 },
  readings: { opening: str, closing: str },
  meter: { publicKey: str, curve: oneOf(CURVES) },
};

/** Undefined when `bundle` has the AuditBundle shape, else what is wrong (first problem found). */
export function auditBundleShapeProblem(bundle: unknown): string | undefined {
  if (!isRecord(bundle)) return 'the bundle is not a JSON object';
  if (bundle['version'] !== 1) return `version ${JSON.stringify(bundle['version'] ?? null)} is not 1`;
  for (const [path, fields] of Object.entries(SHAPE)) {
    const section = path.split('.').reduce<unknown>((at, key) => (isRecord(at) ? at[key] : undefined), bundle);
    if (!isRecord(section)) return `${path} is missing or not an object`;
    for (const [field, check] of Object.entries(fields)) if (!check(section[field])) return `${path}.${field} is missing or malformed: ${JSON.stringify(section[field] ?? null)?.slice(0, 100)}`;
  }
  if (!arrayOf(bytes32)(bundle['proof'])) return 'proof is not a list of 32-byte hex hashes';
  return undefined;
}

export function isAuditBundle(bundle: unknown): bundle is AuditBundle {
  return auditBundleShapeProblem(bundle) === undefined;
}

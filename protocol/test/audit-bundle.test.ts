// The audit checks on a bundle built the way the gateway builds one: real signed readings, the
// claim priced with claimAmount, a tree over several claims. Each tampering must fail the check
// that names it, and no input may make the checker throw.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AUDIT_CHECKS, checkAuditBundle, type AuditBundle } from '../src/audit-bundle.js';
import { claimAmount } from '../src/amount.js';
import { payloadDigest } from '../src/digest.js';
import { bytesToHex, type Hex } from '../src/hex.js';
import { buildMerkleTree, claimLeafHash, claimLeafValues, CLAIM_LEAF_TYPES, type ClaimLeaf } from '../src/merkle.js';
import { buildOcmfPayload, signOcmf } from '../src/ocmf-build.js';
import { generatePrivateKey, publicKeyFromPrivate, type PublicKey } from '../src/public-key.js';

const START_SEC = 1_795_000_500n; // 2026-11-19T04:15:00Z, a 15-minute boundary
const END_SEC = START_SEC + 900n;
const PAYEE: Hex = '0x52908400098527886E0F7030069857D2E4169EE7';
const key = generatePrivateKey();
const chainKey: PublicKey = { curve: 'secp256k1', point: publicKeyFromPrivate(key) };

function reading(meterId: string, pagination: number, exportWh: bigint, atSec: bigint, privateKey = key): string {
  return signOcmf(buildOcmfPayload({ meterId, pagination, importWh: 5_000n, exportWh, timestampMs: Number(atSec) * 1000, utcOffsetMinutes: 420 }), privateKey);
}
const payloadOf = (ocmf: string) => ocmf.slice(5, ocmf.lastIndexOf('|'));

/** A bundle for meter HCM-0001 in a batch of three claims, priced at 2,500 per kWh with carry 700. */
function makeBundle(over: { exportWh?: bigint; paidWh?: bigint; amount?: bigint; flags?: string[] } = {}): { bundle: AuditBundle; root: Hex } {
  const opening = reading('HCM-0001', 41, 10_000n, START_SEC - 30n);
  const exportWh = over.exportWh ?? 1_234n;
  const closing = reading('HCM-0001', 42, 10_000n + exportWh, END_SEC);
  const paidWh = over.paidWh ?? exportWh;
  const priced = claimAmount({ exportWh: paidWh, pricePerKWh: 2_500n, carryIn: 700n });
  const claim: ClaimLeaf = {
    meterId: 'HCM-0001',
    intervalStartSec: START_SEC,
    intervalEndSec: END_SEC,
    exportWh,
    amount: over.amount ?? priced.amount,
    payee: PAYEE,
    openingDigest: payloadDigest(payloadOf(opening)),
    closingDigest: payloadDigest(payloadOf(closing)),
  };
  const others = ['HCM-0002', 'HCM-0003'].map((meterId, i): ClaimLeaf => ({ ...claim, meterId, exportWh: 100n * BigInt(i + 1), amount: 250n * BigInt(i + 1) }));
  const tree = buildMerkleTree([claim, ...others].map(claimLeafHash));
  const hash = claimLeafHash(claim);
  const bundle: AuditBundle = {
    version: 1,
    chain: { chainId: 31337, rpcUrl: 'http://127.0.0.1:8545', registry: `0x${'aa'.repeat(20)}`, settlement: `0x${'bb'.repeat(20)}`, token: `0x${'cc'.repeat(20)}` },
    batch: { batchId: '7', intervalStartSec: String(START_SEC), intervalEndSec: String(END_SEC), claimsRoot: tree.root, payoutsRoot: `0x${'00'.repeat(32)}`, txHash: `0x${'12'.repeat(32)}`, blockNumber: 99 },
    claim: {
      meterId: claim.meterId,
      intervalStartSec: String(START_SEC),
      intervalEndSec: String(END_SEC),
      exportWh: String(exportWh),
      amount: String(claim.amount),
      payee: PAYEE,
      openingDigest: claim.openingDigest,
      closingDigest: claim.closingDigest,
      pricing: { pricePerKWh: '2500', carryIn: '700', carryOut: String(priced.carryOut), paidWh: String(paidWh), flags: over.flags ?? [] },
    },
    leaf: { types: [...CLAIM_LEAF_TYPES], values: claimLeafValues(claim), hash },
    proof: tree.proof(hash),
    readings: { opening, closing },
    meter: { publicKey: bytesToHex(chainKey.point), curve: 'secp256k1' },
  };
  return { bundle, root: tree.root };
}

const failed = (r: ReturnType<typeof checkAuditBundle>) => r.checks.filter((c) => !c.ok).map((c) => c.name);
const clone = <T>(v: T): T => structuredClone(v);

describe('checkAuditBundle', () => {
  it('passes every check for an honest claim audited against the chain', () => {
    const { bundle, root } = makeBundle();
    const result = checkAuditBundle(bundle, { publicKey: chainKey, claimsRootOnChain: root });
    expect(result.checks.map((c) => c.name)).toEqual([...AUDIT_CHECKS]);
    expect(failed(result)).toEqual([]);
    expect(result.ok).toBe(true);
    // 1,234 Wh × 2,500 per kWh + 700 milli-units = 3,085,700 → 3,085 paid, 700 carried
    expect(result.checks.find((c) => c.name === 'amount-arithmetic')!.detail).toBe(
      'floor((1234 Wh × 2500 per kWh + carry 700) / 1000) = 3085, carry 700; the claim pays 3085, carry 700',
    );
  });

  it('round-trips through JSON (what the CLI and the browser receive)', () => {
    const { bundle, root } = makeBundle();
    expect(checkAuditBundle(JSON.parse(JSON.stringify(bundle)), { publicKey: chainKey, claimsRootOnChain: root }).ok).toBe(true);
  });

  it('without the chain, reports the key and the root as not checked', () => {
    const { bundle } = makeBundle();
    const result = checkAuditBundle(bundle);
    expect(result.ok).toBe(false);
    expect(failed(result)).toEqual(['meter-key', 'root-on-chain']);
    expect(result.checks.find((c) => c.name === 'root-on-chain')!.detail).toBe('not checked: no root read from the chain');
    expect(result.checks.find((c) => c.name === 'opening-signature')!.ok).toBe(true); // with the bundle's own key
  });

  it('checks each reading with the key valid at its TM from the chain key history (rotation, revocation)', () => {
    const { bundle, root } = makeBundle();
    const ms = (sec: bigint) => Number(sec) * 1000;
    const later = { curve: 'secp256k1' as const, point: publicKeyFromPrivate(generatePrivateKey()) };
    // rotated after the claim: the old key still signs both readings (a claim from before a rotation passes)
    const rotatedAfter = [
      { publicKey: chainKey, validFromMs: 0, revokedFromMs: null },
      { publicKey: later, validFromMs: ms(END_SEC) + 1, revokedFromMs: null },
    ];
    expect(failed(checkAuditBundle(bundle, { keyHistory: rotatedAfter, claimsRootOnChain: root }))).toEqual([]);
    // rotated inside the interval: the closing reading had to be signed by the new key
    const rotatedInside = [rotatedAfter[0]!, { ...rotatedAfter[1]!, validFromMs: ms(START_SEC) }];
    expect(failed(checkAuditBundle(bundle, { keyHistory: rotatedInside, claimsRootOnChain: root }))).toEqual(['closing-signature']);
    // the signing key revoked from the interval start: the signature verifies, the key does not hold
    const revoked = [{ publicKey: chainKey, validFromMs: 0, revokedFromMs: ms(START_SEC) }];
    const result = checkAuditBundle(bundle, { keyHistory: revoked, claimsRootOnChain: root });
    expect(failed(result)).toEqual(['key-valid-at-tm']);
    expect(result.checks.find((c) => c.name === 'key-valid-at-tm')!.detail).toBe(
      `closing PG 42: key-revoked: the key valid at ${new Date(ms(END_SEC)).toISOString()} (from 1970-01-01T00:00:00.000Z) is revoked from ${new Date(ms(START_SEC)).toISOString()}`,
    );
  });

  it('names what a tampered claim breaks', () => {
    const { bundle, root } = makeBundle();
    const opts = { publicKey: chainKey, claimsRootOnChain: root };

    const richer = clone(bundle);
    richer.claim.amount = '9999';
    expect(failed(checkAuditBundle(richer, opts))).toEqual(['amount-arithmetic', 'leaf-encoding', 'merkle-proof']);

    const moreEnergy = clone(bundle);
    moreEnergy.claim.exportWh = '1300';
    moreEnergy.claim.pricing.paidWh = '1300';
    expect(failed(checkAuditBundle(moreEnergy, opts))).toEqual(['export-arithmetic', 'amount-arithmetic', 'leaf-encoding', 'merkle-proof']);

    const otherKey = { curve: 'secp256k1' as const, point: publicKeyFromPrivate(generatePrivateKey()) };
    expect(failed(checkAuditBundle(bundle, { ...opts, publicKey: otherKey }))).toEqual(['opening-signature', 'closing-signature']);

    const forgedReading = clone(bundle);
    forgedReading.readings.closing = forgedReading.readings.closing.replace('"RV":11234', '"RV":11334');
    expect(failed(checkAuditBundle(forgedReading, opts))).toEqual(['closing-signature', 'closing-digest', 'export-arithmetic']);

    const otherMeter = clone(bundle);
    otherMeter.readings.closing = reading('HCM-0002', 42, 11_234n, END_SEC);
    expect(failed(checkAuditBundle(otherMeter, opts))).toEqual(['closing-digest', 'meter-id']);

    const late = clone(bundle);
    late.readings.closing = reading('HCM-0001', 42, 11_234n, END_SEC + 1n);
    expect(failed(checkAuditBundle(late, opts))).toEqual(['closing-digest', 'bracketing']);

    expect(failed(checkAuditBundle(bundle, { ...opts, claimsRootOnChain: `0x${'77'.repeat(32)}` }))).toEqual(['root-on-chain']);

    const shortProof = clone(bundle);
    shortProof.proof = shortProof.proof.slice(1);
    expect(failed(checkAuditBundle(shortProof, opts))).toEqual(['merkle-proof']);
  });

  it('accepts caps only when a flag says which cut applied', () => {
    const capped = makeBundle({ paidWh: 1_000n, flags: ['interval-export-cap'] });
    expect(failed(checkAuditBundle(capped.bundle, { publicKey: chainKey, claimsRootOnChain: capped.root }))).toEqual([]);
    const silentlyCut = makeBundle({ paidWh: 1_000n });
    expect(failed(checkAuditBundle(silentlyCut.bundle, { publicKey: chainKey, claimsRootOnChain: silentlyCut.root }))).toEqual(['paid-energy']);
    const budget = makeBundle({ amount: 1_000n, flags: ['budget'] });
    expect(failed(checkAuditBundle(budget.bundle, { publicKey: chainKey, claimsRootOnChain: budget.root }))).toEqual([]);
    const overpaid = makeBundle({ amount: 4_000n, flags: ['budget'] });
    expect(failed(checkAuditBundle(overpaid.bundle, { publicKey: chainKey, claimsRootOnChain: overpaid.root }))).toEqual(['amount-arithmetic']);
  });

  it('reports a malformed bundle with every check failed, and never throws', () => {
    const result = checkAuditBundle({ version: 1, claim: {} });
    expect(result.ok).toBe(false);
    expect(result.checks).toHaveLength(AUDIT_CHECKS.length);
    expect(result.checks[0]).toEqual({ name: 'bundle-shape', ok: false, detail: 'chain is missing or not an object' });
    expect(result.checks.slice(1).every((c) => !c.ok && c.detail === 'not checked: the bundle is malformed')).toBe(true);

    const { bundle, root } = makeBundle();
    const paths: string[][] = [];
    const walk = (v: unknown, path: string[]) => {
      paths.push(path);
      if (typeof v === 'object' && v !== null) for (const [k, child] of Object.entries(v)) walk(child, [...path, k]);
    };
    walk(bundle, []);
    fc.assert(
      fc.property(fc.constantFrom(...paths.filter((p) => p.length > 0)), fc.anything(), (path, value) => {
        const mutated = clone(bundle) as unknown as Record<string, unknown>;
        const parent = path.slice(0, -1).reduce<Record<string, unknown>>((at, k) => at[k] as Record<string, unknown>, mutated);
        parent[path.at(-1)!] = value;
        const r = checkAuditBundle(mutated, { publicKey: chainKey, claimsRootOnChain: root });
        return r.checks.length === AUDIT_CHECKS.length;
      }),
      { numRuns: 400 },
    );
    fc.assert(fc.property(fc.anything(), (v) => checkAuditBundle(v).checks.length === AUDIT_CHECKS.length && !checkAuditBundle(v).ok));
  });
});

// Raw single-core verify speed of the two secp256k1 verifiers, measured in the bench's own run
// (same machine, same moment) so the end-to-end figure can be put in proportion.
import { createHash } from 'node:crypto';
import { CURVES } from '@feedin/protocol/curves';
import { loadAddon, newKey } from './native-signer.js';

export interface VerifySpeed {
  nativePerSecond: number;
  noblePerSecond: number;
  /** CPU time of one native verify, µs: what the floor counts. Unlike the wall-clock rates it
   * does not change when other processes take the cores (a shared machine). */
  nativeCpuUs: number;
}

function measure(run: () => void, minMs: number): { perSecond: number; cpuUs: number } {
  let n = 0;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  let elapsed = 0;
  while (elapsed < minMs) {
    for (let i = 0; i < 20; i++) run();
    n += 20;
    elapsed = performance.now() - started;
  }
  const cpu = process.cpuUsage(cpuBefore);
  return { perSecond: Math.round((n / elapsed) * 1000), cpuUs: (cpu.user + cpu.system) / n };
}

export function measureVerifySpeed(minMs = 1500): VerifySpeed {
  const addon = loadAddon();
  const samples = Array.from({ length: 32 }, (_, i) => {
    const key = newKey(addon);
    const digest = createHash('sha256').update(`reading ${i}`).digest();
    const compact = addon.ecdsaSign(digest, key.secretKey).signature;
    return { key, digest, compact, der: addon.signatureExport(compact) };
  });
  let i = 0;
  const next = () => samples[i++ % samples.length]!;
  const native = measure(() => {
    const s = next();
    if (!addon.ecdsaVerify(s.compact, s.digest, s.key.publicKey)) throw new Error('bench: native verify failed');
  }, minMs);
  const noble = CURVES.secp256k1;
  const noble_ = measure(() => {
    const s = next();
    if (!noble.verify(s.der, s.digest, s.key.publicKey, { prehash: false, lowS: false, format: 'der' })) throw new Error('bench: noble verify failed');
  }, minMs);
  return { nativePerSecond: native.perSecond, noblePerSecond: noble_.perSecond, nativeCpuUs: native.cpuUs };
}

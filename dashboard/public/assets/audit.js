// The in-browser audit (docs/design.md §Audits: a household can verify its own payment without
// trusting the gateway). The bundle comes from the gateway, but the two facts that make it
// trustworthy are read from the chain RPC directly: the meter's key history in the registry and the
// claims root stored for the batch. Every other check is @feedin/protocol's checkAuditBundle (each
// reading with the key valid at its TM), the same code the CLI's `feedin audit verify` runs,
// bundled for the browser at build time.
import { bytesToHex, checkAuditBundle, decodePublicKey, hexToBytes, keccak256, keyPeriodFromSeconds, utf8 } from '/vendor/feedin-protocol.js';

const selector = (signature) => bytesToHex(keccak256(utf8(signature))).slice(0, 10);
const word = (n) => BigInt(n).toString(16).padStart(64, '0');

/** ABI: one dynamic `string` argument. */
function encodeString(text) {
  const bytes = utf8(text);
  const hex = bytesToHex(bytes).slice(2);
  return word(32) + word(bytes.length) + hex.padEnd(Math.ceil(hex.length / 64) * 64, '0');
}

async function ethCall(rpcUrl, method, params) {
  const response = await fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    credentials: 'omit',
  });
  const body = await response.json();
  if (body.error) throw new Error(body.error.message ?? JSON.stringify(body.error));
  return body.result;
}

/** MeterRegistry.meterKeys(string) → MeterKey{bytes publicKey, uint64 validFrom, uint64 revokedFrom}[]
 * (oldest first), ABI-decoded by hand; undefined if the meter is not registered. */
async function registryKeys(rpcUrl, registry, meterId) {
  const registered = await ethCall(rpcUrl, 'eth_call', [{ to: registry, data: selector('isRegistered(string)') + encodeString(meterId) }, 'latest']);
  if (BigInt(registered) === 0n) return undefined;
  const out = hexToBytes(await ethCall(rpcUrl, 'eth_call', [{ to: registry, data: selector('meterKeys(string)') + encodeString(meterId) }, 'latest']));
  const read = (at) => Number(BigInt(bytesToHex(out.slice(at, at + 32))));
  const array = read(0); // a dynamic array: the head is an offset to its length
  const count = read(array);
  const heads = array + 32; // tuple offsets are relative to the first word after the length
  const keys = [];
  for (let i = 0; i < count; i++) {
    const tuple = heads + read(heads + 32 * i);
    const bytesAt = tuple + read(tuple); // first field: bytes publicKey (an offset within the tuple)
    keys.push({ publicKey: out.slice(bytesAt + 32, bytesAt + 32 + read(bytesAt)), validFromSec: read(tuple + 32), revokedFromSec: read(tuple + 64) });
  }
  return keys;
}

/** Settlement.batch(uint32 shard, uint64 batchId) → Batch (static struct): claimsRoot is its sixth
 * word. A bundle from before shards names none: shard 0. */
async function chainClaimsRoot(rpcUrl, settlement, shard, batchId) {
  const out = await ethCall(rpcUrl, 'eth_call', [{ to: settlement, data: selector('batch(uint32,uint64)') + word(shard) + word(batchId) }, 'latest']);
  return `0x${out.slice(2 + 5 * 64, 2 + 6 * 64)}`;
}

/** Every check as {name, ok, detail}: the chain reads first, then the protocol's checks. */
export async function auditInBrowser(bundle) {
  const chainChecks = [];
  const opts = {};
  const chain = bundle?.chain;
  if (!chain?.rpcUrl) chainChecks.push({ name: 'chain', ok: false, detail: 'the bundle names no chain RPC' });
  else {
    try {
      const chainId = Number(BigInt(await ethCall(chain.rpcUrl, 'eth_chainId', [])));
      chainChecks.push({ name: 'chain-id', ok: chainId === chain.chainId, detail: `the RPC at ${chain.rpcUrl} is chain ${chainId}; the bundle says ${chain.chainId}` });
      const keys = await registryKeys(chain.rpcUrl, chain.registry, bundle.claim.meterId);
      if (keys) {
        // Registry keys are secp256k1 (33-byte SEC1 compressed points); every one must decode.
        const decoded = keys.map((k) => ({ k, key: decodePublicKey(bytesToHex(k.publicKey), 'secp256k1') }));
        const bad = decoded.find((d) => !d.key.ok);
        if (!bad) opts.keyHistory = decoded.map((d) => keyPeriodFromSeconds(d.key.value, d.k.validFromSec, d.k.revokedFromSec));
        chainChecks.push({ name: 'registry-key', ok: !bad, detail: bad ? bad.key.detail : `meter ${bundle.claim.meterId}: ${keys.length} key(s) read from registry ${chain.registry}` });
      } else chainChecks.push({ name: 'registry-key', ok: false, detail: `meter ${bundle.claim.meterId} is not in registry ${chain.registry}` });
      opts.claimsRootOnChain = await chainClaimsRoot(chain.rpcUrl, chain.settlement, bundle.batch.shard ?? 0, bundle.batch.batchId);
    } catch (error) {
      chainChecks.push({ name: 'chain', ok: false, detail: `cannot read the chain at ${chain.rpcUrl}: ${error.message}` });
    }
  }
  const result = checkAuditBundle(bundle, opts);
  const checks = [...chainChecks, ...result.checks];
  return { ok: checks.every((c) => c.ok), checks };
}

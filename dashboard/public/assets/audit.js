// The in-browser audit (DESIGN: a household can verify its own payment without trusting the
// gateway). The bundle comes from the gateway, but the two facts that make it trustworthy are
// read from the chain RPC directly: the meter's key in the registry and the claims root stored
// for the batch. Every other check is @feedin/protocol's checkAuditBundle, the same code the
// CLI's `feedin audit verify` runs, bundled for the browser at build time.
import { bytesToHex, checkAuditBundle, decodePublicKey, hexToBytes, keccak256, utf8 } from '/vendor/feedin-protocol.js';

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

/** MeterRegistry.meter(string) → Meter{meterId, publicKey, …}: the key bytes, or undefined if not registered. */
async function registryKey(rpcUrl, registry, meterId) {
  const registered = await ethCall(rpcUrl, 'eth_call', [{ to: registry, data: selector('isRegistered(string)') + encodeString(meterId) }, 'latest']);
  if (BigInt(registered) === 0n) return undefined;
  const out = hexToBytes(await ethCall(rpcUrl, 'eth_call', [{ to: registry, data: selector('meter(string)') + encodeString(meterId) }, 'latest']));
  const read = (at) => Number(BigInt(bytesToHex(out.slice(at, at + 32))));
  const tuple = read(0); // the returned struct is dynamic: its head is an offset
  const keyAt = tuple + read(tuple + 32); // second field: bytes publicKey
  return out.slice(keyAt + 32, keyAt + 32 + read(keyAt));
}

/** Settlement.batch(uint64) → Batch (static struct): claimsRoot is its sixth word. */
async function chainClaimsRoot(rpcUrl, settlement, batchId) {
  const out = await ethCall(rpcUrl, 'eth_call', [{ to: settlement, data: selector('batch(uint64)') + word(batchId) }, 'latest']);
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
      const key = await registryKey(chain.rpcUrl, chain.registry, bundle.claim.meterId);
      if (key) {
        const decoded = decodePublicKey(bytesToHex(key), 'secp256k1');
        if (decoded.ok) opts.publicKey = decoded.value;
        chainChecks.push({ name: 'registry-key', ok: decoded.ok, detail: decoded.ok ? `meter ${bundle.claim.meterId} key read from registry ${chain.registry}` : decoded.detail });
      } else chainChecks.push({ name: 'registry-key', ok: false, detail: `meter ${bundle.claim.meterId} is not in registry ${chain.registry}` });
      opts.claimsRootOnChain = await chainClaimsRoot(chain.rpcUrl, chain.settlement, bundle.batch.batchId);
    } catch (error) {
      chainChecks.push({ name: 'chain', ok: false, detail: `cannot read the chain at ${chain.rpcUrl}: ${error.message}` });
    }
  }
  const result = checkAuditBundle(bundle, opts);
  const checks = [...chainChecks, ...result.checks];
  return { ok: checks.every((c) => c.ok), checks };
}

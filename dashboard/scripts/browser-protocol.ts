// The entry of the browser bundle of @feedin/protocol (scripts/build.mjs): exactly the pure
// functions the pages need (the household page's in-browser audit, the operator's meter-id rule),
// from the same source the CLI runs.
export { AUDIT_CHECKS, checkAuditBundle } from '../../protocol/src/audit-bundle.js';
export { keccak256 } from '../../protocol/src/keccak.js';
export { bytesToHex, hexToBytes, utf8 } from '../../protocol/src/hex.js';
export { decodePublicKey } from '../../protocol/src/public-key.js';
export { METER_ID_SOURCE } from '../../protocol/src/meter-id.js';
export { keyPeriodFromSeconds } from '../../protocol/src/key-history.js';

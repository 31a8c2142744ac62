// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Meter registry of a feed-in sandbox
/// @notice Which smart meters may sell power, with the secp256k1 key that signs their OCMF
/// readings, the payee their earnings go to and their installed capacity. The gateway, the
/// dashboard and any auditor read meter keys from here, never from the operator's word.
/// @dev Every state change emits an event with all of its data, so a client can rebuild the whole
/// registry from logs alone (docs/design.md §Chain: the chain alone tells the story).
interface IMeterRegistry {
    /// @notice A registered meter as read by clients.
    /// @param meterId OCMF `MS`: 1-32 characters of [A-Za-z0-9._-]
    /// @param publicKey SEC1 compressed secp256k1 key (33 bytes) in force now (the registry's sandbox
    /// clock); a scheduled rotation and older keys are in {meterKeys}
    /// @param keyValidFrom unix seconds (sandbox time) from which `publicKey` signs; 0 = since registration
    /// @param payee address that receives the meter's earnings
    /// @param capacityW installed capacity in watts (plausibility and export caps)
    /// @param registeredAt block timestamp of the registration
    /// @param suspended whether a suspension is in force
    /// @param suspendedFrom unix seconds (sandbox time) from which readings are refused; 0 when not suspended
    struct Meter {
        string meterId;
        bytes publicKey;
        uint64 keyValidFrom;
        address payee;
        uint32 capacityW;
        uint64 registeredAt;
        bool suspended;
        uint64 suspendedFrom;
    }

    /// @notice One of a meter's keys: it signs readings with TM in [validFrom, next key's validFrom),
    /// unless revoked from `revokedFrom` (0 = not revoked). Times are unix seconds, sandbox time.
    struct MeterKey {
        bytes publicKey;
        uint64 validFrom;
        uint64 revokedFrom;
    }

    /// @notice The meter id is empty, longer than 32 bytes or has a byte outside [A-Za-z0-9._-].
    error MeterRegistryInvalidMeterId(string meterId);
    /// @notice A meter with this id is already registered.
    error MeterRegistryAlreadyRegistered(string meterId);
    /// @notice The key is not a 33-byte SEC1 compressed point (prefix 0x02 or 0x03).
    error MeterRegistryInvalidPublicKey(string meterId, uint256 length);
    /// @notice The payee is the zero address.
    error MeterRegistryZeroPayee(string meterId);
    /// @notice The installed capacity is zero.
    error MeterRegistryZeroCapacity(string meterId);
    /// @notice No meter with this id is registered.
    error MeterRegistryUnknownMeter(string meterId);
    /// @notice The meter is already suspended (from `suspendedFrom`). Only a regulator's suspension of a
    /// meter the operator suspended replaces it.
    error MeterRegistryAlreadySuspended(string meterId, uint64 suspendedFrom);
    /// @notice The meter is not suspended, so there is nothing to reactivate.
    error MeterRegistryNotSuspended(string meterId);
    /// @notice A new key must take effect after the current one (`currentValidFrom`).
    error MeterRegistryKeyNotAfterCurrent(string meterId, uint64 currentValidFrom, uint64 validFrom);
    /// @notice The key in force at the revocation time is already revoked from `revokedFrom` (at or
    /// before it): a revocation can only be moved earlier.
    error MeterRegistryKeyAlreadyRevoked(string meterId, uint64 revokedFrom);
    /// @notice A rotation cannot take effect before the registry's sandbox clock (`sandboxNow`):
    /// already accepted readings keep the key that signed them.
    error MeterRegistryKeyValidFromInPast(string meterId, uint64 validFrom, uint64 sandboxNow);
    /// @notice A rotation cannot be scheduled later than `latestValidFrom` = sandbox now + the
    /// rotation horizon.
    error MeterRegistryKeyValidFromBeyondHorizon(string meterId, uint64 validFrom, uint64 latestValidFrom);
    /// @notice The meter has no scheduled (not yet in force) rotation to cancel.
    error MeterRegistryNoRotationScheduled(string meterId);
    /// @notice A sandbox clock runs at 1x or faster (`speed` >= 1).
    error MeterRegistryInvalidClock(uint32 speed);
    /// @notice `index` is not below `count`.
    error MeterRegistryIndexOutOfRange(uint256 index, uint256 count);

    /// @notice A meter was registered. `meterIdHash` is the indexed keccak256 of `meterId` for log filters.
    event MeterRegistered(
        string indexed meterIdHash, string meterId, bytes publicKey, address payee, uint32 capacityW
    );
    /// @notice A meter was suspended: readings with TM >= `fromTime` (unix seconds) are refused.
    event MeterSuspended(
        string indexed meterIdHash, string meterId, uint64 fromTime, bytes32 reasonHash, address suspendedBy
    );
    /// @notice A suspension was lifted.
    event MeterReactivated(string indexed meterIdHash, string meterId, bytes32 reasonHash, address reactivatedBy);

    /// @notice The meter's key changed: `publicKey` signs readings with TM >= `validFrom`; the previous
    /// key keeps signing the readings before it (late, store-and-forward readings stay valid).
    event MeterKeyRotated(
        string indexed meterIdHash, string meterId, bytes publicKey, uint64 validFrom, bytes32 reasonHash, address rotatedBy
    );
    /// @notice The key in force at `fromTime` was revoked: readings signed with it with TM >= `fromTime`
    /// are refused and not paid.
    event MeterKeyRevoked(
        string indexed meterIdHash, string meterId, bytes publicKey, uint64 fromTime, bytes32 reasonHash, address revokedBy
    );
    /// @notice A scheduled rotation to `publicKey` from `validFrom` was withdrawn before it took effect
    /// (by {cancelRotation}, or replaced by a later {rotateKey}); the key before it stays in force.
    event MeterKeyRotationCancelled(
        string indexed meterIdHash, string meterId, bytes publicKey, uint64 validFrom, bytes32 reasonHash, address cancelledBy
    );
    /// @notice The registry's sandbox clock: sandbox ms = `sandboxAnchorMs` + (block ms - `wallAnchorMs`) x `speed`.
    event SandboxClockChanged(uint64 wallAnchorMs, uint64 sandboxAnchorMs, uint32 speed);
    /// @notice Rotations may be scheduled at most `horizonSeconds` (sandbox time) ahead.
    event KeyRotationHorizonChanged(uint64 horizonSeconds);

    /// @notice Registers a meter. OPERATOR_ROLE.
    function registerMeter(string calldata meterId, bytes calldata publicKey, address payee, uint32 capacityW)
        external;

    /// @notice Suspends a meter from `fromTime` (unix seconds, sandbox time). OPERATOR_ROLE or REGULATOR_ROLE.
    /// The regulator's suspension always wins: it replaces a suspension the operator imposed.
    function suspendMeter(string calldata meterId, uint64 fromTime, bytes32 reasonHash) external;

    /// @notice Lifts a suspension. OPERATOR_ROLE or REGULATOR_ROLE; a suspension the regulator
    /// imposed can only be lifted by the regulator.
    function reactivateMeter(string calldata meterId, bytes32 reasonHash) external;

    /// @notice Gives the meter a new key from `validFrom` (unix s, sandbox time; 0 = now), which must lie
    /// in [sandboxNow, sandboxNow + horizon] and after the key in force. A rotation still scheduled
    /// (not yet in force) is replaced ({MeterKeyRotationCancelled}); one the regulator scheduled only
    /// by the regulator. The device keeps its pagination. OPERATOR_ROLE or REGULATOR_ROLE.
    function rotateKey(string calldata meterId, bytes calldata publicKey, uint64 validFrom, bytes32 reasonHash) external;

    /// @notice Withdraws the meter's scheduled rotation before it takes effect; one the regulator
    /// scheduled only the regulator may withdraw. OPERATOR_ROLE or REGULATOR_ROLE.
    function cancelRotation(string calldata meterId, bytes32 reasonHash) external;

    /// @notice Revokes the key in force at `fromTime` (unix s, sandbox time; may lie in the past) from
    /// then on; a rotation gives the meter a new one. An existing revocation of that key can only be
    /// moved earlier. OPERATOR_ROLE or REGULATOR_ROLE.
    function revokeKey(string calldata meterId, uint64 fromTime, bytes32 reasonHash) external;

    /// @notice Sets the sandbox clock the registry judges rotation times by (the anchor the sandbox
    /// keeps). DEFAULT_ADMIN_ROLE.
    function setSandboxClock(uint64 wallAnchorMs, uint64 sandboxAnchorMs, uint32 speed) external;

    /// @notice Sets how far ahead (sandbox seconds) a rotation may be scheduled. DEFAULT_ADMIN_ROLE.
    function setKeyRotationHorizon(uint64 horizonSeconds) external;

    /// @notice The sandbox time (unix s) at this block by the registry's sandbox clock.
    function sandboxNow() external view returns (uint64);

    /// @notice The sandbox clock: anchors in ms and the speed.
    function sandboxClock() external view returns (uint64 wallAnchorMs, uint64 sandboxAnchorMs, uint32 speed);

    /// @notice How far ahead (sandbox seconds) a rotation may be scheduled.
    function keyRotationHorizonSeconds() external view returns (uint64);

    /// @notice Every key the meter had, oldest first (the registration key has validFrom 0).
    function meterKeys(string calldata meterId) external view returns (MeterKey[] memory);

    /// @notice The meter with this id; reverts with {MeterRegistryUnknownMeter} when there is none.
    function meter(string calldata meterId) external view returns (Meter memory);

    /// @notice Whether a meter with this id is registered.
    function isRegistered(string calldata meterId) external view returns (bool);

    /// @notice Number of registered meters.
    function meterCount() external view returns (uint256);

    /// @notice The id of the `index`-th registered meter (registration order).
    function meterIdAt(uint256 index) external view returns (string memory);

    /// @notice Up to `count` meters from `start` in registration order (fewer at the end), so that
    /// clients read a large registry in a few calls.
    function metersPage(uint256 start, uint256 count) external view returns (Meter[] memory);
}

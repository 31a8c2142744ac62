// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Meter registry of a feed-in sandbox
/// @notice Which smart meters may sell power, with the secp256k1 key that signs their OCMF
/// readings, the payee their earnings go to and their installed capacity. The gateway, the
/// dashboard and any auditor read meter keys from here, never from the operator's word.
/// @dev Every state change emits an event with all of its data, so a client can rebuild the whole
/// registry from logs alone (docs/design.md §Chain: the chain alone tells the story).
/// Shards (issue #13): every meter belongs to a shard (one gateway's meters) through its household,
/// the meters paid to one payee. A household's shard has a validity history like a key's (times in
/// sandbox seconds), so every reading time maps to exactly one shard, and all of a household's
/// meters are on the same shard at every time: assigning a meter moves its whole household, and
/// registering a meter on another shard than its household's is refused. That keeps the household
/// daily cap a per-shard sum (a gateway sees all of a household's readings), at the price that a
/// household cannot be spread over gateways (docs/design.md §Shards).
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
    /// @param shard the shard the meter's household is on now (the registry's sandbox clock)
    struct Meter {
        string meterId;
        bytes publicKey;
        uint64 keyValidFrom;
        address payee;
        uint32 capacityW;
        uint64 registeredAt;
        bool suspended;
        uint64 suspendedFrom;
        uint32 shard;
    }

    /// @notice One entry of a household's shard history: its meters' readings with TM in
    /// [validFrom, next entry's validFrom) belong to `shard`. The first entry has validFrom 0.
    struct ShardAssignment {
        uint32 shard;
        uint64 validFrom;
    }

    /// @notice One meter of {registerMeters}, registered on `shard`.
    struct MeterRegistration {
        string meterId;
        bytes publicKey;
        address payee;
        uint32 capacityW;
        uint32 shard;
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
    /// @notice The meter would be on `shard` while the other meters of its household (`payee`) are on
    /// `householdShard`: a household is never split across shards (assign the household instead).
    error MeterRegistryHouseholdSplit(string meterId, address payee, uint32 householdShard, uint32 shard);
    /// @notice A shard assignment cannot take effect before the registry's sandbox clock: readings
    /// already accepted stay with the shard that took them.
    error MeterRegistryShardValidFromInPast(string meterId, uint64 validFrom, uint64 sandboxNow);
    /// @notice A shard assignment cannot be scheduled later than `latestValidFrom` = sandbox now +
    /// the rotation horizon.
    error MeterRegistryShardValidFromBeyondHorizon(string meterId, uint64 validFrom, uint64 latestValidFrom);
    /// @notice A shard assignment must take effect after the one in force (`currentValidFrom`).
    error MeterRegistryShardNotAfterCurrent(string meterId, uint64 currentValidFrom, uint64 validFrom);
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
    /// @notice The household of `payee` (every meter paid to it) belongs to `shard` for readings with
    /// TM >= `validFrom` (unix s, sandbox time; 0 at the household's first registration). `meterId`
    /// is the meter the call named (for a first registration: the household's first meter).
    event ShardAssigned(
        address indexed payee, string meterId, uint32 shard, uint64 validFrom, bytes32 reasonHash, address assignedBy
    );
    /// @notice A scheduled (not yet in force) move of the household of `payee` to `shard` from
    /// `validFrom` was replaced by a later {assignShard} before it took effect.
    event ShardAssignmentCancelled(
        address indexed payee, uint32 shard, uint64 validFrom, bytes32 reasonHash, address cancelledBy
    );
    /// @notice The registry's sandbox clock: sandbox ms = `sandboxAnchorMs` + (block ms - `wallAnchorMs`) x `speed`.
    event SandboxClockChanged(uint64 wallAnchorMs, uint64 sandboxAnchorMs, uint32 speed);
    /// @notice Rotations may be scheduled at most `horizonSeconds` (sandbox time) ahead.
    event KeyRotationHorizonChanged(uint64 horizonSeconds);

    /// @notice Registers a meter on its household's shard (shard 0 for a new household). OPERATOR_ROLE.
    function registerMeter(string calldata meterId, bytes calldata publicKey, address payee, uint32 capacityW)
        external;

    /// @notice Registers many meters in one transaction, each on its `shard`. A meter whose household
    /// (payee) already has meters must name the household's current shard
    /// ({MeterRegistryHouseholdSplit}); the first meter of a household sets it. Any refusal reverts
    /// the whole call. OPERATOR_ROLE.
    function registerMeters(MeterRegistration[] calldata meters) external;

    /// @notice Moves the meter's household (every meter with its payee) to `shard` for readings with
    /// TM >= `validFrom` (unix s, sandbox time; 0 = now), which must lie in [sandboxNow, sandboxNow +
    /// rotation horizon] and after the assignment in force. A move still scheduled is replaced
    /// ({ShardAssignmentCancelled}); one the regulator scheduled only by the regulator.
    /// OPERATOR_ROLE or REGULATOR_ROLE.
    function assignShard(string calldata meterId, uint32 shard, uint64 validFrom, bytes32 reasonHash) external;

    /// @notice The shard the meter's readings with TM = `time` (unix s, sandbox time) belong to.
    function meterShardAt(string calldata meterId, uint64 time) external view returns (uint32);

    /// @notice The shard history of the meter's household, oldest first (the first has validFrom 0).
    function meterShards(string calldata meterId) external view returns (ShardAssignment[] memory);

    /// @notice The shard history of the household paid to `payee`; empty when it has no meter.
    function householdShards(address payee) external view returns (ShardAssignment[] memory);

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

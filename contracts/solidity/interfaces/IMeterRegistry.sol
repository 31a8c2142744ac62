// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Meter registry of a feed-in sandbox
/// @notice Which smart meters may sell power, with the secp256k1 key that signs their OCMF
/// readings, the payee their earnings go to and their installed capacity. The gateway, the
/// dashboard and any auditor read meter keys from here, never from the operator's word.
/// @dev Every state change emits an event with all of its data, so a client can rebuild the whole
/// registry from logs alone (DESIGN: "the chain alone tells the story").
interface IMeterRegistry {
    /// @notice A registered meter as read by clients.
    /// @param meterId OCMF `MS`: 1-32 characters of [A-Za-z0-9._-]
    /// @param publicKey SEC1 compressed secp256k1 key (33 bytes) that signs the meter's readings
    /// @param keyValidFrom unix seconds (sandbox time) from which `publicKey` signs; 0 = since registration.
    /// Room for key rotation: a later version keeps older keys with their validity.
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
    /// @notice The meter is already suspended (from `suspendedFrom`).
    error MeterRegistryAlreadySuspended(string meterId, uint64 suspendedFrom);
    /// @notice The meter is not suspended, so there is nothing to reactivate.
    error MeterRegistryNotSuspended(string meterId);
    /// @notice A new key must take effect after the current one (`currentValidFrom`).
    error MeterRegistryKeyNotAfterCurrent(string meterId, uint64 currentValidFrom, uint64 validFrom);
    /// @notice The meter's current key is already revoked (from `revokedFrom`).
    error MeterRegistryKeyAlreadyRevoked(string meterId, uint64 revokedFrom);
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
    /// @notice The meter's current key was revoked: readings signed with it with TM >= `fromTime` are refused.
    event MeterKeyRevoked(
        string indexed meterIdHash, string meterId, bytes publicKey, uint64 fromTime, bytes32 reasonHash, address revokedBy
    );

    /// @notice Registers a meter. OPERATOR_ROLE.
    function registerMeter(string calldata meterId, bytes calldata publicKey, address payee, uint32 capacityW)
        external;

    /// @notice Suspends a meter from `fromTime` (unix seconds, sandbox time). OPERATOR_ROLE or REGULATOR_ROLE.
    function suspendMeter(string calldata meterId, uint64 fromTime, bytes32 reasonHash) external;

    /// @notice Lifts a suspension. OPERATOR_ROLE or REGULATOR_ROLE; a suspension the regulator
    /// imposed can only be lifted by the regulator.
    function reactivateMeter(string calldata meterId, bytes32 reasonHash) external;

    /// @notice Gives the meter a new key from `validFrom` (unix s, sandbox time; after the current
    /// key's). The device keeps its pagination. OPERATOR_ROLE or REGULATOR_ROLE.
    function rotateKey(string calldata meterId, bytes calldata publicKey, uint64 validFrom, bytes32 reasonHash) external;

    /// @notice Revokes the meter's current key from `fromTime` (unix s, sandbox time); a rotation
    /// gives it a new one. OPERATOR_ROLE or REGULATOR_ROLE.
    function revokeKey(string calldata meterId, uint64 fromTime, bytes32 reasonHash) external;

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

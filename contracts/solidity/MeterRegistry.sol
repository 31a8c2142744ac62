// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IMeterRegistry} from "./interfaces/IMeterRegistry.sol";

/// @title Meter registry
/// @notice See {IMeterRegistry}. Meters are stored under keccak256(bytes(meterId)) with an
/// enumerable list of ids in registration order.
contract MeterRegistry is IMeterRegistry, AccessControl {
    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");
    bytes32 public constant REGULATOR_ROLE = keccak256("REGULATOR_ROLE");

    struct Record {
        bytes publicKey;
        uint64 keyValidFrom;
        address payee;
        uint32 capacityW;
        uint64 registeredAt;
        bool registered;
        bool suspended;
        bool suspendedByRegulator;
        uint64 suspendedFrom;
    }

    mapping(bytes32 meterKey => Record) private _meters;
    /// @dev Key history per meter, oldest first; the last one is `Record.publicKey`.
    mapping(bytes32 meterKey => MeterKey[]) private _keys;
    string[] private _ids;

    constructor(address admin) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @inheritdoc IMeterRegistry
    function registerMeter(string calldata meterId, bytes calldata publicKey, address payee, uint32 capacityW)
        external
        onlyRole(OPERATOR_ROLE)
    {
        _checkMeterId(meterId);
        Record storage r = _meters[keccak256(bytes(meterId))];
        if (r.registered) revert MeterRegistryAlreadyRegistered(meterId);
        // SEC1 2.3.3: a compressed point is 0x02 or 0x03 followed by the 32-byte x coordinate.
        if (publicKey.length != 33 || (publicKey[0] != 0x02 && publicKey[0] != 0x03)) {
            revert MeterRegistryInvalidPublicKey(meterId, publicKey.length);
        }
        if (payee == address(0)) revert MeterRegistryZeroPayee(meterId);
        if (capacityW == 0) revert MeterRegistryZeroCapacity(meterId);

        r.publicKey = publicKey;
        r.payee = payee;
        r.capacityW = capacityW;
        r.registeredAt = uint64(block.timestamp);
        r.registered = true;
        _keys[keccak256(bytes(meterId))].push(MeterKey({publicKey: publicKey, validFrom: 0, revokedFrom: 0}));
        _ids.push(meterId);
        emit MeterRegistered(meterId, meterId, publicKey, payee, capacityW);
    }

    /// @inheritdoc IMeterRegistry
    function suspendMeter(string calldata meterId, uint64 fromTime, bytes32 reasonHash) external {
        bool byRegulator = _checkOperatorOrRegulator();
        Record storage r = _known(meterId);
        if (r.suspended) revert MeterRegistryAlreadySuspended(meterId, r.suspendedFrom);
        r.suspended = true;
        r.suspendedByRegulator = byRegulator;
        r.suspendedFrom = fromTime;
        emit MeterSuspended(meterId, meterId, fromTime, reasonHash, msg.sender);
    }

    /// @inheritdoc IMeterRegistry
    function reactivateMeter(string calldata meterId, bytes32 reasonHash) external {
        bool byRegulator = _checkOperatorOrRegulator();
        Record storage r = _known(meterId);
        if (!r.suspended) revert MeterRegistryNotSuspended(meterId);
        // The regulator trusts nothing the operator says: only it lifts its own suspensions.
        if (r.suspendedByRegulator && !byRegulator) {
            revert AccessControlUnauthorizedAccount(msg.sender, REGULATOR_ROLE);
        }
        r.suspended = false;
        r.suspendedByRegulator = false;
        r.suspendedFrom = 0;
        emit MeterReactivated(meterId, meterId, reasonHash, msg.sender);
    }

    /// @inheritdoc IMeterRegistry
    function rotateKey(string calldata meterId, bytes calldata publicKey, uint64 validFrom, bytes32 reasonHash) external {
        _checkOperatorOrRegulator();
        Record storage r = _known(meterId);
        if (publicKey.length != 33 || (publicKey[0] != 0x02 && publicKey[0] != 0x03)) {
            revert MeterRegistryInvalidPublicKey(meterId, publicKey.length);
        }
        // Keys follow each other in time, so every reading time has exactly one key.
        if (validFrom <= r.keyValidFrom) revert MeterRegistryKeyNotAfterCurrent(meterId, r.keyValidFrom, validFrom);
        r.publicKey = publicKey;
        r.keyValidFrom = validFrom;
        _keys[keccak256(bytes(meterId))].push(MeterKey({publicKey: publicKey, validFrom: validFrom, revokedFrom: 0}));
        emit MeterKeyRotated(meterId, meterId, publicKey, validFrom, reasonHash, msg.sender);
    }

    /// @inheritdoc IMeterRegistry
    function revokeKey(string calldata meterId, uint64 fromTime, bytes32 reasonHash) external {
        _checkOperatorOrRegulator();
        Record storage r = _known(meterId);
        MeterKey[] storage keys = _keys[keccak256(bytes(meterId))];
        MeterKey storage current = keys[keys.length - 1];
        if (current.revokedFrom != 0) revert MeterRegistryKeyAlreadyRevoked(meterId, current.revokedFrom);
        // 0 means "not revoked": a revocation from time 0 is stored as 1 (still before any reading).
        current.revokedFrom = fromTime == 0 ? 1 : fromTime;
        emit MeterKeyRevoked(meterId, meterId, r.publicKey, current.revokedFrom, reasonHash, msg.sender);
    }

    /// @inheritdoc IMeterRegistry
    function meterKeys(string calldata meterId) external view returns (MeterKey[] memory) {
        _known(meterId);
        return _keys[keccak256(bytes(meterId))];
    }

    /// @inheritdoc IMeterRegistry
    function meter(string calldata meterId) external view returns (Meter memory) {
        return _view(meterId, _known(meterId));
    }

    /// @inheritdoc IMeterRegistry
    function isRegistered(string calldata meterId) external view returns (bool) {
        return _meters[keccak256(bytes(meterId))].registered;
    }

    /// @inheritdoc IMeterRegistry
    function meterCount() external view returns (uint256) {
        return _ids.length;
    }

    /// @inheritdoc IMeterRegistry
    function meterIdAt(uint256 index) external view returns (string memory) {
        if (index >= _ids.length) revert MeterRegistryIndexOutOfRange(index, _ids.length);
        return _ids[index];
    }

    /// @inheritdoc IMeterRegistry
    function metersPage(uint256 start, uint256 count) external view returns (Meter[] memory page) {
        uint256 total = _ids.length;
        uint256 end = start >= total ? start : (count > total - start ? total : start + count);
        page = new Meter[](end - start);
        for (uint256 i = start; i < end; ++i) {
            string memory id = _ids[i];
            page[i - start] = _view(id, _meters[keccak256(bytes(id))]);
        }
    }

    /// @return byRegulator whether the caller acts as regulator (it holds REGULATOR_ROLE)
    function _checkOperatorOrRegulator() private view returns (bool byRegulator) {
        byRegulator = hasRole(REGULATOR_ROLE, msg.sender);
        if (!byRegulator && !hasRole(OPERATOR_ROLE, msg.sender)) {
            revert AccessControlUnauthorizedAccount(msg.sender, OPERATOR_ROLE);
        }
    }

    function _known(string calldata meterId) private view returns (Record storage r) {
        r = _meters[keccak256(bytes(meterId))];
        if (!r.registered) revert MeterRegistryUnknownMeter(meterId);
    }

    function _view(string memory meterId, Record storage r) private view returns (Meter memory) {
        return Meter({
            meterId: meterId,
            publicKey: r.publicKey,
            keyValidFrom: r.keyValidFrom,
            payee: r.payee,
            capacityW: r.capacityW,
            registeredAt: r.registeredAt,
            suspended: r.suspended,
            suspendedFrom: r.suspendedFrom
        });
    }

    /// @dev DESIGN "Meter id": 1-32 characters of [A-Za-z0-9._-] (the OCMF `MS` field and MQTT client id).
    function _checkMeterId(string calldata meterId) private pure {
        bytes calldata b = bytes(meterId);
        if (b.length == 0 || b.length > 32) revert MeterRegistryInvalidMeterId(meterId);
        for (uint256 i = 0; i < b.length; ++i) {
            bytes1 c = b[i];
            bool ok = (c >= "0" && c <= "9") || (c >= "A" && c <= "Z") || (c >= "a" && c <= "z") || c == "."
                || c == "_" || c == "-";
            if (!ok) revert MeterRegistryInvalidMeterId(meterId);
        }
    }
}

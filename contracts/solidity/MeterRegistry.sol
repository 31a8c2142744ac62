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
        address payee;
        uint32 capacityW;
        uint64 registeredAt;
        bool registered;
        bool suspended;
        bool suspendedByRegulator;
        /// @dev whether the scheduled (not yet in force) key was set by the regulator
        bool rotationByRegulator;
        uint64 suspendedFrom;
    }

    /// @dev One entry of a household's shard history. Entry 0 also holds the entry count (`entries`),
    /// so that a new household costs one storage slot, not an array's two.
    struct ShardSpan {
        uint64 validFrom;
        uint32 shard;
        /// whether this (scheduled) entry was set by the regulator
        bool byRegulator;
        /// number of entries; kept in entry 0 only, 0 = no meter has this payee
        uint32 entries;
    }

    /// @dev sandbox ms = sandboxAnchorMs + (block ms - wallAnchorMs) * speed (cli/src/clock-anchor.ts)
    struct SandboxClock {
        uint64 wallAnchorMs;
        uint64 sandboxAnchorMs;
        uint32 speed;
    }

    mapping(bytes32 meterKey => Record) private _meters;
    /// @dev Key history per meter, oldest first, validFrom strictly increasing; at most the last one
    /// is scheduled (validFrom after sandbox now).
    mapping(bytes32 meterKey => MeterKey[]) private _keys;
    string[] private _ids;
    /// @dev shard history per household (payee), validFrom strictly increasing; at most the last
    /// entry is scheduled (validFrom after sandbox now)
    mapping(address payee => mapping(uint256 index => ShardSpan)) private _households;
    SandboxClock private _clock;
    /// @inheritdoc IMeterRegistry
    uint64 public keyRotationHorizonSeconds;

    /// @param admin DEFAULT_ADMIN_ROLE; the clock starts as the chain's own (speed 1) and the rotation
    /// horizon at 30 days until the admin sets them.
    constructor(address admin) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _clock = SandboxClock({wallAnchorMs: 0, sandboxAnchorMs: 0, speed: 1});
        keyRotationHorizonSeconds = 30 days;
    }

    /// @inheritdoc IMeterRegistry
    function registerMeter(string calldata meterId, bytes calldata publicKey, address payee, uint32 capacityW)
        external
        onlyRole(OPERATOR_ROLE)
    {
        _register(meterId, publicKey, payee, capacityW, 0, false);
    }

    /// @inheritdoc IMeterRegistry
    function registerMeters(MeterRegistration[] calldata meters) external onlyRole(OPERATOR_ROLE) {
        for (uint256 i = 0; i < meters.length; ++i) {
            MeterRegistration calldata m = meters[i];
            _register(m.meterId, m.publicKey, m.payee, m.capacityW, m.shard, true);
        }
    }

    /// @inheritdoc IMeterRegistry
    function assignShard(string calldata meterId, uint32 shard, uint64 validFrom, bytes32 reasonHash) external {
        bool byRegulator = _checkOperatorOrRegulator();
        address payee = _known(meterId).payee;
        mapping(uint256 => ShardSpan) storage h = _households[payee];
        uint64 now_ = _sandboxNow();
        if (validFrom == 0) validFrom = now_;
        // Not back-dated: readings already accepted stay with the shard (and batch) that took them.
        if (validFrom < now_) revert MeterRegistryShardValidFromInPast(meterId, validFrom, now_);
        uint64 latest = now_ + keyRotationHorizonSeconds;
        if (validFrom > latest) revert MeterRegistryShardValidFromBeyondHorizon(meterId, validFrom, latest);
        uint32 entries = h[0].entries;
        ShardSpan storage last = h[entries - 1];
        if (last.validFrom > now_) {
            // A scheduled move is replaced; the regulator's only by the regulator.
            if (last.byRegulator && !byRegulator) revert AccessControlUnauthorizedAccount(msg.sender, REGULATOR_ROLE);
            emit ShardAssignmentCancelled(payee, last.shard, last.validFrom, reasonHash, msg.sender);
            delete h[entries - 1];
            entries -= 1;
            last = h[entries - 1];
        }
        // Entries follow each other in time, so every reading time has exactly one shard.
        if (validFrom <= last.validFrom) revert MeterRegistryShardNotAfterCurrent(meterId, last.validFrom, validFrom);
        h[entries] = ShardSpan({validFrom: validFrom, shard: shard, byRegulator: byRegulator, entries: 0});
        h[0].entries = entries + 1;
        emit ShardAssigned(payee, meterId, shard, validFrom, reasonHash, msg.sender);
    }

    /// @inheritdoc IMeterRegistry
    function meterShardAt(string calldata meterId, uint64 time) external view returns (uint32) {
        return _shardAt(_known(meterId).payee, time);
    }

    /// @inheritdoc IMeterRegistry
    function meterShards(string calldata meterId) external view returns (ShardAssignment[] memory) {
        return householdShards(_known(meterId).payee);
    }

    /// @inheritdoc IMeterRegistry
    function householdShards(address payee) public view returns (ShardAssignment[] memory list) {
        mapping(uint256 => ShardSpan) storage h = _households[payee];
        uint32 entries = h[0].entries;
        list = new ShardAssignment[](entries);
        for (uint256 i = 0; i < entries; ++i) list[i] = ShardAssignment({shard: h[i].shard, validFrom: h[i].validFrom});
    }

    /// @inheritdoc IMeterRegistry
    function suspendMeter(string calldata meterId, uint64 fromTime, bytes32 reasonHash) external {
        bool byRegulator = _checkOperatorOrRegulator();
        Record storage r = _known(meterId);
        // The regulator's word wins: its suspension replaces the operator's (which might lie far in
        // the future); nothing replaces the regulator's, and the operator cannot replace its own.
        if (r.suspended && !(byRegulator && !r.suspendedByRegulator)) {
            revert MeterRegistryAlreadySuspended(meterId, r.suspendedFrom);
        }
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
        bool byRegulator = _checkOperatorOrRegulator();
        Record storage r = _known(meterId);
        _checkKey(meterId, publicKey);
        uint64 now_ = _sandboxNow();
        if (validFrom == 0) validFrom = now_;
        // Not back-dated: readings already accepted keep the key that signed them.
        if (validFrom < now_) revert MeterRegistryKeyValidFromInPast(meterId, validFrom, now_);
        // Not far ahead: a rotation scheduled years away must not hold the key history hostage.
        uint64 latest = now_ + keyRotationHorizonSeconds;
        if (validFrom > latest) revert MeterRegistryKeyValidFromBeyondHorizon(meterId, validFrom, latest);
        MeterKey[] storage keys = _keys[keccak256(bytes(meterId))];
        if (keys[keys.length - 1].validFrom > now_) _cancelScheduled(meterId, r, keys, byRegulator, reasonHash);
        // Keys follow each other in time, so every reading time has exactly one key.
        uint64 inForceFrom = keys[keys.length - 1].validFrom;
        if (validFrom <= inForceFrom) revert MeterRegistryKeyNotAfterCurrent(meterId, inForceFrom, validFrom);
        keys.push(MeterKey({publicKey: publicKey, validFrom: validFrom, revokedFrom: 0}));
        r.rotationByRegulator = byRegulator;
        emit MeterKeyRotated(meterId, meterId, publicKey, validFrom, reasonHash, msg.sender);
    }

    /// @inheritdoc IMeterRegistry
    function cancelRotation(string calldata meterId, bytes32 reasonHash) external {
        bool byRegulator = _checkOperatorOrRegulator();
        Record storage r = _known(meterId);
        MeterKey[] storage keys = _keys[keccak256(bytes(meterId))];
        if (keys.length == 1 || keys[keys.length - 1].validFrom <= _sandboxNow()) {
            revert MeterRegistryNoRotationScheduled(meterId);
        }
        _cancelScheduled(meterId, r, keys, byRegulator, reasonHash);
    }

    /// @inheritdoc IMeterRegistry
    function revokeKey(string calldata meterId, uint64 fromTime, bytes32 reasonHash) external {
        _checkOperatorOrRegulator();
        _known(meterId);
        // 0 means "not revoked": a revocation from time 0 is stored as 1 (still before any reading).
        if (fromTime == 0) fromTime = 1;
        MeterKey[] storage keys = _keys[keccak256(bytes(meterId))];
        // The key in force at fromTime, not the newest: a scheduled rotation must not shield the
        // leaked key that signs today. keys[0].validFrom is 0, so the search always ends.
        uint256 i = keys.length - 1;
        while (keys[i].validFrom > fromTime) --i;
        MeterKey storage key = keys[i];
        // Only earlier: a revocation never gives a key back readings it already lost.
        if (key.revokedFrom != 0 && key.revokedFrom <= fromTime) revert MeterRegistryKeyAlreadyRevoked(meterId, key.revokedFrom);
        key.revokedFrom = fromTime;
        emit MeterKeyRevoked(meterId, meterId, key.publicKey, fromTime, reasonHash, msg.sender);
    }

    /// @inheritdoc IMeterRegistry
    function setSandboxClock(uint64 wallAnchorMs, uint64 sandboxAnchorMs, uint32 speed) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (speed == 0) revert MeterRegistryInvalidClock(speed);
        _clock = SandboxClock({wallAnchorMs: wallAnchorMs, sandboxAnchorMs: sandboxAnchorMs, speed: speed});
        emit SandboxClockChanged(wallAnchorMs, sandboxAnchorMs, speed);
    }

    /// @inheritdoc IMeterRegistry
    function setKeyRotationHorizon(uint64 horizonSeconds) external onlyRole(DEFAULT_ADMIN_ROLE) {
        keyRotationHorizonSeconds = horizonSeconds;
        emit KeyRotationHorizonChanged(horizonSeconds);
    }

    /// @inheritdoc IMeterRegistry
    function sandboxNow() external view returns (uint64) {
        return _sandboxNow();
    }

    /// @inheritdoc IMeterRegistry
    function sandboxClock() external view returns (uint64 wallAnchorMs, uint64 sandboxAnchorMs, uint32 speed) {
        SandboxClock memory c = _clock;
        return (c.wallAnchorMs, c.sandboxAnchorMs, c.speed);
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

    /// @dev The checks of {registerMeter}, then the household: a new one starts on `shard` (entry 0,
    /// one slot); an existing one must be on `shard` now when `strict`, else the meter joins it.
    function _register(
        string calldata meterId,
        bytes calldata publicKey,
        address payee,
        uint32 capacityW,
        uint32 shard,
        bool strict
    ) private {
        _checkMeterId(meterId);
        bytes32 h = keccak256(bytes(meterId));
        Record storage r = _meters[h];
        if (r.registered) revert MeterRegistryAlreadyRegistered(meterId);
        _checkKey(meterId, publicKey);
        if (payee == address(0)) revert MeterRegistryZeroPayee(meterId);
        if (capacityW == 0) revert MeterRegistryZeroCapacity(meterId);

        r.payee = payee;
        r.capacityW = capacityW;
        r.registeredAt = uint64(block.timestamp);
        r.registered = true;
        _keys[h].push(MeterKey({publicKey: publicKey, validFrom: 0, revokedFrom: 0}));
        _ids.push(meterId);
        emit MeterRegistered(meterId, meterId, publicKey, payee, capacityW);

        ShardSpan storage first = _households[payee][0];
        if (first.entries == 0) {
            _households[payee][0] = ShardSpan({validFrom: 0, shard: shard, byRegulator: false, entries: 1});
            emit ShardAssigned(payee, meterId, shard, 0, bytes32(0), msg.sender);
        } else if (strict) {
            // One household, one shard: its daily cap is applied by the one gateway that sees it all.
            uint32 current = _shardAt(payee, _sandboxNow());
            if (current != shard) revert MeterRegistryHouseholdSplit(meterId, payee, current, shard);
        }
    }

    /// @dev The household's shard at `time`: the newest entry from at or before it (entry 0 is from 0).
    function _shardAt(address payee, uint64 time) private view returns (uint32) {
        mapping(uint256 => ShardSpan) storage h = _households[payee];
        uint256 i = h[0].entries;
        if (i == 0) return 0;
        --i;
        while (i > 0 && h[i].validFrom > time) --i;
        return h[i].shard;
    }

    /// @return byRegulator whether the caller acts as regulator (it holds REGULATOR_ROLE)
    function _checkOperatorOrRegulator() private view returns (bool byRegulator) {
        byRegulator = hasRole(REGULATOR_ROLE, msg.sender);
        if (!byRegulator && !hasRole(OPERATOR_ROLE, msg.sender)) {
            revert AccessControlUnauthorizedAccount(msg.sender, OPERATOR_ROLE);
        }
    }

    /// @dev Pops the scheduled key; the regulator's schedule is the regulator's to change.
    function _cancelScheduled(
        string calldata meterId,
        Record storage r,
        MeterKey[] storage keys,
        bool byRegulator,
        bytes32 reasonHash
    ) private {
        if (r.rotationByRegulator && !byRegulator) revert AccessControlUnauthorizedAccount(msg.sender, REGULATOR_ROLE);
        MeterKey storage scheduled = keys[keys.length - 1];
        emit MeterKeyRotationCancelled(meterId, meterId, scheduled.publicKey, scheduled.validFrom, reasonHash, msg.sender);
        keys.pop();
        r.rotationByRegulator = false;
    }

    function _sandboxNow() private view returns (uint64) {
        SandboxClock memory c = _clock;
        uint256 wallMs = block.timestamp * 1000;
        uint256 sandboxMs = wallMs >= c.wallAnchorMs
            ? c.sandboxAnchorMs + (wallMs - c.wallAnchorMs) * c.speed
            : _floorSub(c.sandboxAnchorMs, (c.wallAnchorMs - wallMs) * c.speed);
        return uint64(sandboxMs / 1000);
    }

    function _floorSub(uint256 a, uint256 b) private pure returns (uint256) {
        return a > b ? a - b : 0;
    }

    /// @dev SEC1 2.3.3: a compressed point is 0x02 or 0x03 followed by the 32-byte x coordinate.
    function _checkKey(string calldata meterId, bytes calldata publicKey) private pure {
        if (publicKey.length != 33 || (publicKey[0] != 0x02 && publicKey[0] != 0x03)) {
            revert MeterRegistryInvalidPublicKey(meterId, publicKey.length);
        }
    }

    function _known(string calldata meterId) private view returns (Record storage r) {
        r = _meters[keccak256(bytes(meterId))];
        if (!r.registered) revert MeterRegistryUnknownMeter(meterId);
    }

    /// @dev The key in force at sandbox now: the newest one unless it is still scheduled.
    function _view(string memory meterId, Record storage r) private view returns (Meter memory) {
        MeterKey[] storage keys = _keys[keccak256(bytes(meterId))];
        uint256 i = keys.length - 1;
        if (i > 0 && keys[i].validFrom > _sandboxNow()) --i;
        return Meter({
            meterId: meterId,
            publicKey: keys[i].publicKey,
            keyValidFrom: keys[i].validFrom,
            payee: r.payee,
            capacityW: r.capacityW,
            registeredAt: r.registeredAt,
            suspended: r.suspended,
            suspendedFrom: r.suspendedFrom,
            shard: _shardAt(r.payee, _sandboxNow())
        });
    }

    /// @dev docs/design.md §Meter id: 1-32 characters of [A-Za-z0-9._-] (the OCMF `MS` field and
    /// MQTT client id).
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

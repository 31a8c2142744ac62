// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {ISettlement} from "./interfaces/ISettlement.sol";

/// @title Settlement of feed-in batches
/// @notice See {ISettlement}.
/// @dev A rejection rewinds `nextBatchId` instead of touching every discarded batch: a stored batch
/// with id >= nextBatchId (and below `_submittedThrough`) is stale and reads as Rejected until the
/// gateway resubmits that id. Totals are kept cumulatively per batch (`committedThrough`), so rolling
/// back is O(1) as well.
contract Settlement is ISettlement, AccessControl {
    using SafeERC20 for IERC20;

    bytes32 public constant GATEWAY_ROLE = keccak256("GATEWAY_ROLE");
    bytes32 public constant REGULATOR_ROLE = keccak256("REGULATOR_ROLE");
    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");

    /// @dev Stored state of a batch; Final and Rejected are derived in {status}.
    enum Stored {
        None,
        Pending,
        Frozen,
        Approved
    }

    IERC20 public immutable token;
    /// @notice The meter registry whose keys sign the readings behind this contract's claims.
    address public immutable registry;

    uint64 public nextBatchId = 1;
    /// @dev Highest batch id ever submitted; ids between nextBatchId and this were rejected.
    uint64 private _submittedThrough;
    uint64 public challengeWindowSeconds;
    bool public paused;
    /// @inheritdoc ISettlement
    uint64 public sandboxEnd;

    uint256 public batchCap;
    uint256 public budget;
    uint256 public totalWithdrawn;

    mapping(uint64 batchId => Batch) private _batches;
    mapping(uint64 batchId => Stored) private _stored;
    /// @dev Ids of the batches currently frozen; the regulator keeps this short.
    uint64[] private _frozen;
    /// @dev Lowest id in `_frozen`, 0 when none: every batch from it on waits.
    uint64 private _lowestFrozen;

    mapping(address payee => uint256) public withdrawn;

    /// @param batchCap_ per-batch cap of the total amount (type(uint256).max = none)
    /// @param budget_ cap of the amount committed by all batches (type(uint256).max = none)
    constructor(
        IERC20 token_,
        address registry_,
        address admin,
        uint64 challengeWindowSeconds_,
        uint256 batchCap_,
        uint256 budget_
    ) {
        token = token_;
        registry = registry_;
        challengeWindowSeconds = challengeWindowSeconds_;
        batchCap = batchCap_;
        budget = budget_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    modifier whenNotPaused() {
        if (paused) revert SettlementPaused();
        _;
    }

    /// @inheritdoc ISettlement
    function submitBatch(
        uint64 batchId,
        uint64 intervalStart,
        uint64 intervalEnd,
        bytes32 claimsRoot,
        bytes32 payoutsRoot,
        uint32 claimCount,
        uint256 totalExportWh,
        uint256 totalAmount
    ) external onlyRole(GATEWAY_ROLE) whenNotPaused {
        uint64 expected = nextBatchId;
        if (batchId != expected) revert SettlementBatchOutOfOrder(expected, batchId);
        if (intervalEnd <= intervalStart) revert SettlementIntervalInvalid(intervalStart, intervalEnd);
        if (sandboxEnd != 0 && intervalEnd > sandboxEnd) revert SettlementSandboxEnded(sandboxEnd, intervalEnd);
        uint256 committedBefore;
        if (batchId > 1) {
            Batch storage previous = _batches[batchId - 1];
            // DESIGN: energy is never lost or counted twice, so intervals follow each other without gaps.
            if (intervalStart != previous.intervalEnd) {
                revert SettlementIntervalNotContiguous(previous.intervalEnd, intervalStart);
            }
            committedBefore = previous.committedThrough;
        }
        if (totalAmount > batchCap) revert SettlementBatchCapExceeded(totalAmount, batchCap);
        uint256 committed = committedBefore + totalAmount;
        if (committed > budget) revert SettlementBudgetExceeded(committed, budget);
        uint256 funded = token.balanceOf(address(this)) + totalWithdrawn;
        if (committed > funded) revert SettlementEscrowInsufficient(committed, funded);

        _batches[batchId] = Batch({
            intervalStart: intervalStart,
            intervalEnd: intervalEnd,
            submittedAt: uint64(block.timestamp),
            challengeEndsAt: uint64(block.timestamp) + challengeWindowSeconds,
            claimCount: claimCount,
            claimsRoot: claimsRoot,
            payoutsRoot: payoutsRoot,
            totalExportWh: totalExportWh,
            totalAmount: totalAmount,
            committedThrough: committed
        });
        _stored[batchId] = Stored.Pending;
        nextBatchId = batchId + 1;
        if (batchId > _submittedThrough) _submittedThrough = batchId;
        emit BatchSubmitted(
            batchId, intervalStart, intervalEnd, claimsRoot, payoutsRoot, claimCount, totalExportWh, totalAmount
        );
    }

    /// @inheritdoc ISettlement
    function freezeBatch(uint64 batchId, bytes32 reasonHash) external onlyRole(REGULATOR_ROLE) {
        BatchStatus s = status(batchId);
        if (s != BatchStatus.Pending) revert SettlementBatchStatusInvalid(batchId, s);
        _stored[batchId] = Stored.Frozen;
        _frozen.push(batchId);
        if (_lowestFrozen == 0 || batchId < _lowestFrozen) _lowestFrozen = batchId;
        emit BatchFrozen(batchId, reasonHash);
    }

    /// @inheritdoc ISettlement
    function approveBatch(uint64 batchId, bytes32 reasonHash) external onlyRole(REGULATOR_ROLE) {
        BatchStatus s = status(batchId);
        if (s != BatchStatus.Frozen) revert SettlementBatchStatusInvalid(batchId, s);
        _stored[batchId] = Stored.Approved;
        _unfreezeFrom(batchId, batchId);
        emit BatchApproved(batchId, reasonHash);
    }

    /// @inheritdoc ISettlement
    function rejectBatch(uint64 batchId, bytes32 reasonHash) external onlyRole(REGULATOR_ROLE) {
        BatchStatus s = status(batchId);
        if (s != BatchStatus.Frozen) revert SettlementBatchStatusInvalid(batchId, s);
        uint64 discardedThrough = nextBatchId - 1;
        _unfreezeFrom(batchId, type(uint64).max);
        // DESIGN: a rejection discards the batch and every later pending one; the gateway rebuilds
        // from here. Later batches cannot be final: this one was frozen before them.
        nextBatchId = batchId;
        emit BatchRejected(batchId, discardedThrough, reasonHash);
    }

    /// @inheritdoc ISettlement
    function pause(bytes32 reasonHash) external onlyRole(REGULATOR_ROLE) {
        if (paused) revert SettlementPaused();
        paused = true;
        emit Paused(msg.sender, reasonHash);
    }

    /// @inheritdoc ISettlement
    function unpause(bytes32 reasonHash) external onlyRole(REGULATOR_ROLE) {
        if (!paused) revert SettlementNotPaused();
        paused = false;
        emit Unpaused(msg.sender, reasonHash);
    }

    /// @inheritdoc ISettlement
    function endSandbox(uint64 sandboxEnd_, bytes32 reasonHash) external onlyRole(REGULATOR_ROLE) {
        // Once only, and never at 0 (0 means "running"): an end cannot be moved or undone.
        if (sandboxEnd != 0 || sandboxEnd_ == 0) revert SettlementSandboxEnded(sandboxEnd, sandboxEnd_);
        sandboxEnd = sandboxEnd_;
        emit SandboxEnded(sandboxEnd_, reasonHash, msg.sender);
    }

    /// @inheritdoc ISettlement
    function setLimits(uint256 batchCap_, uint256 budget_) external onlyRole(REGULATOR_ROLE) {
        batchCap = batchCap_;
        budget = budget_;
        emit LimitsChanged(batchCap_, budget_);
    }

    /// @inheritdoc ISettlement
    function setChallengeWindow(uint64 challengeWindowSeconds_) external onlyRole(REGULATOR_ROLE) {
        challengeWindowSeconds = challengeWindowSeconds_;
        emit ChallengeWindowChanged(challengeWindowSeconds_);
    }

    /// @inheritdoc ISettlement
    function fundEscrow(uint256 amount) external onlyRole(OPERATOR_ROLE) {
        if (amount == 0) revert SettlementZeroAmount();
        token.safeTransferFrom(msg.sender, address(this), amount);
        emit EscrowFunded(msg.sender, amount, token.balanceOf(address(this)));
    }

    /// @inheritdoc ISettlement
    function withdraw(uint64 batchId, address payee, uint256 cumulativeAmount, bytes32[] calldata proof)
        external
        whenNotPaused
    {
        if (!isFinal(batchId)) revert SettlementBatchNotFinal(batchId, status(batchId));
        // OpenZeppelin StandardMerkleTree leaf: keccak256(bytes.concat(keccak256(abi.encode(...)))).
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(payee, cumulativeAmount))));
        if (!MerkleProof.verifyCalldata(proof, _batches[batchId].payoutsRoot, leaf)) {
            revert SettlementInvalidProof(batchId, payee, cumulativeAmount);
        }
        uint256 already = withdrawn[payee];
        if (cumulativeAmount <= already) revert SettlementNothingDue(payee, cumulativeAmount, already);
        uint256 amount = cumulativeAmount - already;
        withdrawn[payee] = cumulativeAmount;
        totalWithdrawn += amount;
        token.safeTransfer(payee, amount);
        emit Withdrawn(payee, batchId, amount, cumulativeAmount);
    }

    /// @inheritdoc ISettlement
    function withdrawMany(
        uint64 batchId,
        address[] calldata payees,
        uint256[] calldata cumulativeAmounts,
        bytes32[][] calldata proofs
    ) external whenNotPaused {
        uint256 n = payees.length;
        if (cumulativeAmounts.length != n || proofs.length != n) {
            revert SettlementLengthMismatch(n, cumulativeAmounts.length, proofs.length);
        }
        if (!isFinal(batchId)) revert SettlementBatchNotFinal(batchId, status(batchId));
        bytes32 root = _batches[batchId].payoutsRoot;
        uint256 total;
        for (uint256 i = 0; i < n; ++i) {
            address payee = payees[i];
            uint256 cumulativeAmount = cumulativeAmounts[i];
            bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(payee, cumulativeAmount))));
            if (!MerkleProof.verifyCalldata(proofs[i], root, leaf)) {
                revert SettlementInvalidProof(batchId, payee, cumulativeAmount);
            }
            uint256 already = withdrawn[payee];
            // Paid meanwhile (a single withdrawal, or listed twice): skip rather than fail the sweep.
            if (cumulativeAmount <= already) continue;
            uint256 amount = cumulativeAmount - already;
            withdrawn[payee] = cumulativeAmount;
            total += amount;
            token.safeTransfer(payee, amount);
            emit Withdrawn(payee, batchId, amount, cumulativeAmount);
        }
        totalWithdrawn += total;
    }

    /// @inheritdoc ISettlement
    function batch(uint64 batchId) external view returns (Batch memory) {
        return _batches[batchId];
    }

    /// @inheritdoc ISettlement
    function status(uint64 batchId) public view returns (BatchStatus) {
        if (batchId == 0 || batchId > _submittedThrough) return BatchStatus.None;
        if (batchId >= nextBatchId) return BatchStatus.Rejected;
        Stored s = _stored[batchId];
        if (s == Stored.Frozen) return BatchStatus.Frozen;
        if (s == Stored.Approved) return BatchStatus.Approved;
        return isFinal(batchId) ? BatchStatus.Final : BatchStatus.Pending;
    }

    /// @inheritdoc ISettlement
    function isFinal(uint64 batchId) public view returns (bool) {
        if (batchId == 0 || batchId >= nextBatchId) return false;
        // DESIGN: final after the challenge window unless the regulator froze it or an earlier batch.
        if (_lowestFrozen != 0 && _lowestFrozen <= batchId) return false;
        Stored s = _stored[batchId];
        if (s == Stored.Approved) return true;
        return s == Stored.Pending && block.timestamp >= _batches[batchId].challengeEndsAt;
    }

    /// @inheritdoc ISettlement
    function totalCommitted() external view returns (uint256) {
        uint64 last = nextBatchId - 1;
        return last == 0 ? 0 : _batches[last].committedThrough;
    }

    /// @inheritdoc ISettlement
    function escrowBalance() external view returns (uint256) {
        return token.balanceOf(address(this));
    }

    /// @dev Removes the frozen ids in [from, through] and recomputes the lowest one. Costs grow with
    /// the number of batches frozen at the same time (a regulator's choice), never with claims.
    function _unfreezeFrom(uint64 from, uint64 through) private {
        uint64 lowest = 0;
        uint256 i = 0;
        while (i < _frozen.length) {
            uint64 id = _frozen[i];
            if (id >= from && id <= through) {
                _frozen[i] = _frozen[_frozen.length - 1];
                _frozen.pop();
            } else {
                if (lowest == 0 || id < lowest) lowest = id;
                ++i;
            }
        }
        _lowestFrozen = lowest;
    }
}

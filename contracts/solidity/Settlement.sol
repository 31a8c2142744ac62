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
/// with id >= nextBatchId (and below `submittedThrough`) is stale and reads as Rejected until the
/// gateway resubmits that id. Totals are kept cumulatively per batch (`committedThrough`), so rolling
/// back is O(1) as well.
/// Finality in order (issue #10), O(1) per call: times are kept on the challenge clock (block time
/// minus the time spent paused), and each batch stores the clock second from which it is final:
/// a pending batch at `windowEndsAt = max(its own window's end, the previous batch's)`, so
/// `windowEndsAt` never decreases along the ids whatever the window changes; an approved batch at
/// `predecessorsFinalAt`, taken when it was frozen from the batch before it (its `windowEndsAt`,
/// or, for a held batch, that batch's own `predecessorsFinalAt`). A frozen batch holds every later
/// one through `lowestFrozen`. Hence a batch is final only once every earlier batch is.
/// Shards (issue #13): each shard has its own {Sequence} (ids, contiguity, freezes, rejections,
/// finality in order), so nothing done to one shard's batches touches another's. Budget, escrow,
/// caps, the challenge clock and the pause are global; the amount committed by all shards is a
/// running total (`_totalCommitted`), moved by each submission and rejection, never summed.
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

    /// @dev A batch in storage: the {Batch} fields, with the finality bookkeeping packed into the
    /// slot of `claimCount` (so a submission writes no more slots than the batch itself needs).
    struct BatchRecord {
        uint64 intervalStart;
        uint64 intervalEnd;
        uint64 submittedAt;
        /// challenge-clock second from which the batch is final unless held (see the contract's @dev)
        uint64 windowEndsAt;
        uint32 claimCount;
        Stored stored;
        /// challenge-clock second by which every earlier batch is final; set when frozen
        uint64 predecessorsFinalAt;
        /// paused seconds before the submission: `windowEndsAt + this` is the block time it was due
        uint64 pausedSecondsBefore;
        bytes32 claimsRoot;
        bytes32 payoutsRoot;
        uint256 totalExportWh;
        uint256 totalAmount;
        uint256 committedThrough;
    }

    /// @dev One shard's sequence of batches.
    struct Sequence {
        uint64 nextBatchId;
        /// highest batch id ever submitted; ids between nextBatchId and this were rejected
        uint64 submittedThrough;
        /// lowest id in `frozen`, 0 when none: every batch from it on waits
        uint64 lowestFrozen;
        mapping(uint64 batchId => BatchRecord) batches;
        /// ids of the batches currently frozen; the regulator keeps this short
        uint64[] frozen;
        /// paid out on this shard's proofs, all payees together: never above what it committed
        uint256 paidOut;
        mapping(address payee => uint256) withdrawn;
    }

    IERC20 public immutable token;
    /// @notice The meter registry whose keys sign the readings behind this contract's claims.
    address public immutable registry;

    // One slot: what every submission reads.
    uint64 public challengeWindowSeconds;
    /// @inheritdoc ISettlement
    uint64 public sandboxEnd;
    /// @dev block time the current pause began, 0 while running
    uint64 private _pausedAt;
    /// @dev seconds spent in pauses that have ended
    uint64 private _pausedSecondsEnded;

    uint256 public batchCap;
    uint256 public budget;
    // One slot: a submission reads the withdrawn total (escrow check) and writes the committed one.
    /// @dev committed by the live (not rejected) batches of every shard
    uint128 private _totalCommitted;
    uint128 private _totalWithdrawn;

    mapping(uint32 shard => Sequence) private _sequences;
    /// @dev shards that ever submitted a batch, in order of their first batch
    uint32[] private _shards;

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
        if (_pausedAt != 0) revert SettlementPaused();
        _;
    }

    /// @inheritdoc ISettlement
    function submitBatch(
        uint32 shard,
        uint64 batchId,
        uint64 intervalStart,
        uint64 intervalEnd,
        bytes32 claimsRoot,
        bytes32 payoutsRoot,
        uint32 claimCount,
        uint256 totalExportWh,
        uint256 totalAmount
    ) external onlyRole(GATEWAY_ROLE) whenNotPaused {
        Sequence storage q = _sequences[shard];
        (uint256 committed, uint64 windowEndsAt) = _admit(q, batchId, intervalStart, intervalEnd, totalAmount);
        // Field by field (a struct literal of 13 fields is too deep for the stack). A resubmitted id
        // keeps a stale predecessorsFinalAt: it is read only once freezeBatch has set it again.
        BatchRecord storage b = q.batches[batchId];
        b.intervalStart = intervalStart;
        b.intervalEnd = intervalEnd;
        b.submittedAt = uint64(block.timestamp);
        b.windowEndsAt = windowEndsAt;
        b.claimCount = claimCount;
        b.stored = Stored.Pending;
        b.pausedSecondsBefore = _pausedSecondsEnded;
        b.claimsRoot = claimsRoot;
        b.payoutsRoot = payoutsRoot;
        b.totalExportWh = totalExportWh;
        b.totalAmount = totalAmount;
        b.committedThrough = committed;
        q.nextBatchId = batchId + 1;
        if (batchId > q.submittedThrough) {
            if (q.submittedThrough == 0) _shards.push(shard);
            q.submittedThrough = batchId;
        }
        emit BatchSubmitted(
            shard,
            batchId, intervalStart, intervalEnd, claimsRoot, payoutsRoot, claimCount, totalExportWh, totalAmount
        );
    }

    /// @inheritdoc ISettlement
    function freezeBatch(uint32 shard, uint64 batchId, bytes32 reasonHash) external onlyRole(REGULATOR_ROLE) {
        BatchStatus s = status(shard, batchId);
        if (s != BatchStatus.Pending) revert SettlementBatchStatusInvalid(batchId, s);
        Sequence storage q = _sequences[shard];
        BatchRecord storage b = q.batches[batchId];
        // When approved, this batch is final once every earlier one is: the previous batch's window
        // end if it is pending (window ends never decrease along the ids), else (frozen or approved)
        // the bound that one carries. Should an earlier pending batch be frozen and approved later,
        // the bound only errs late, never early.
        if (batchId > 1) {
            BatchRecord storage previous = q.batches[batchId - 1];
            b.predecessorsFinalAt =
                previous.stored == Stored.Pending ? previous.windowEndsAt : previous.predecessorsFinalAt;
        }
        b.stored = Stored.Frozen;
        q.frozen.push(batchId);
        if (q.lowestFrozen == 0 || batchId < q.lowestFrozen) q.lowestFrozen = batchId;
        emit BatchFrozen(shard, batchId, reasonHash);
    }

    /// @inheritdoc ISettlement
    function approveBatch(uint32 shard, uint64 batchId, bytes32 reasonHash) external onlyRole(REGULATOR_ROLE) {
        BatchStatus s = status(shard, batchId);
        if (s != BatchStatus.Frozen) revert SettlementBatchStatusInvalid(batchId, s);
        Sequence storage q = _sequences[shard];
        q.batches[batchId].stored = Stored.Approved;
        _unfreezeFrom(q, batchId, batchId);
        emit BatchApproved(shard, batchId, reasonHash);
    }

    /// @inheritdoc ISettlement
    function rejectBatch(uint32 shard, uint64 batchId, bytes32 reasonHash) external onlyRole(REGULATOR_ROLE) {
        BatchStatus s = status(shard, batchId);
        if (s != BatchStatus.Frozen) revert SettlementBatchStatusInvalid(batchId, s);
        Sequence storage q = _sequences[shard];
        uint64 discardedThrough = q.nextBatchId - 1;
        _unfreezeFrom(q, batchId, type(uint64).max);
        // docs/design.md §Finality: a rejection discards the batch and every later pending one of its
        // shard; the gateway rebuilds from here. Later batches cannot be final: this one was frozen
        // before them.
        uint256 kept = batchId > 1 ? q.batches[batchId - 1].committedThrough : 0;
        _totalCommitted -= uint128(q.batches[discardedThrough].committedThrough - kept);
        q.nextBatchId = batchId;
        emit BatchRejected(shard, batchId, discardedThrough, reasonHash);
    }

    /// @inheritdoc ISettlement
    function pause(bytes32 reasonHash) external onlyRole(REGULATOR_ROLE) {
        if (_pausedAt != 0) revert SettlementPaused();
        // Issue #10: the challenge clock stops here, so no window runs out while the regulator looks.
        _pausedAt = uint64(block.timestamp);
        emit Paused(msg.sender, reasonHash);
    }

    /// @inheritdoc ISettlement
    function unpause(bytes32 reasonHash) external onlyRole(REGULATOR_ROLE) {
        uint64 pausedAt = _pausedAt;
        if (pausedAt == 0) revert SettlementNotPaused();
        _pausedSecondsEnded += uint64(block.timestamp) - pausedAt;
        _pausedAt = 0;
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
    function withdraw(uint32 shard, uint64 batchId, address payee, uint256 cumulativeAmount, bytes32[] calldata proof)
        external
        whenNotPaused
    {
        Sequence storage q = _sequences[shard];
        bytes32 root = _finalRoot(q, shard, batchId);
        uint256 already = q.withdrawn[payee];
        if (cumulativeAmount <= already) {
            _checkProof(proof, root, shard, batchId, payee, cumulativeAmount);
            revert SettlementNothingDue(payee, cumulativeAmount, already);
        }
        uint256 amount = _pay(q, root, shard, batchId, payee, cumulativeAmount, already, proof);
        _totalWithdrawn += uint128(amount);
    }

    /// @inheritdoc ISettlement
    function withdrawMany(Withdrawal[] calldata withdrawals) external whenNotPaused {
        uint256 total;
        for (uint256 i = 0; i < withdrawals.length; ++i) {
            Withdrawal calldata w = withdrawals[i];
            Sequence storage q = _sequences[w.shard];
            bytes32 root = _finalRoot(q, w.shard, w.batchId);
            uint256 already = q.withdrawn[w.payee];
            // Paid meanwhile (a single withdrawal, or listed twice): skip rather than fail the sweep,
            // but never on a bad proof.
            if (w.cumulativeAmount <= already) {
                _checkProof(w.proof, root, w.shard, w.batchId, w.payee, w.cumulativeAmount);
                continue;
            }
            total += _pay(q, root, w.shard, w.batchId, w.payee, w.cumulativeAmount, already, w.proof);
        }
        _totalWithdrawn += uint128(total);
    }

    /// @inheritdoc ISettlement
    function batch(uint32 shard, uint64 batchId) external view returns (Batch memory) {
        BatchRecord storage b = _sequences[shard].batches[batchId];
        return Batch({
            intervalStart: b.intervalStart,
            intervalEnd: b.intervalEnd,
            submittedAt: b.submittedAt,
            challengeEndsAt: b.submittedAt == 0 ? 0 : b.windowEndsAt + b.pausedSecondsBefore,
            claimCount: b.claimCount,
            claimsRoot: b.claimsRoot,
            payoutsRoot: b.payoutsRoot,
            totalExportWh: b.totalExportWh,
            totalAmount: b.totalAmount,
            committedThrough: b.committedThrough
        });
    }

    /// @inheritdoc ISettlement
    function nextBatchId(uint32 shard) external view returns (uint64) {
        uint64 next = _sequences[shard].nextBatchId;
        return next == 0 ? 1 : next;
    }

    /// @inheritdoc ISettlement
    function status(uint32 shard, uint64 batchId) public view returns (BatchStatus) {
        Sequence storage q = _sequences[shard];
        if (batchId == 0 || batchId > q.submittedThrough) return BatchStatus.None;
        if (batchId >= q.nextBatchId) return BatchStatus.Rejected;
        Stored s = q.batches[batchId].stored;
        if (s == Stored.Frozen) return BatchStatus.Frozen;
        if (s == Stored.Approved) return BatchStatus.Approved;
        return isFinal(shard, batchId) ? BatchStatus.Final : BatchStatus.Pending;
    }

    /// @inheritdoc ISettlement
    function isFinal(uint32 shard, uint64 batchId) public view returns (bool) {
        Sequence storage q = _sequences[shard];
        if (batchId == 0 || batchId >= q.nextBatchId) return false;
        // docs/design.md §Finality: final after the challenge window unless the regulator froze it
        // or an earlier batch of its shard; issue #10: and never before every earlier batch of the
        // shard is final (see the contract's @dev).
        if (q.lowestFrozen != 0 && q.lowestFrozen <= batchId) return false;
        BatchRecord storage b = q.batches[batchId];
        if (b.stored == Stored.Approved) return b.predecessorsFinalAt <= challengeClock();
        return b.stored == Stored.Pending && b.windowEndsAt <= challengeClock();
    }

    /// @inheritdoc ISettlement
    function withdrawn(uint32 shard, address payee) external view returns (uint256) {
        return _sequences[shard].withdrawn[payee];
    }

    /// @inheritdoc ISettlement
    function shardWithdrawn(uint32 shard) external view returns (uint256) {
        return _sequences[shard].paidOut;
    }

    /// @inheritdoc ISettlement
    function shardCommitted(uint32 shard) public view returns (uint256) {
        Sequence storage q = _sequences[shard];
        uint64 next = q.nextBatchId;
        return next <= 1 ? 0 : q.batches[next - 1].committedThrough;
    }

    /// @inheritdoc ISettlement
    function shards() external view returns (uint32[] memory) {
        return _shards;
    }

    /// @inheritdoc ISettlement
    function paused() external view returns (bool) {
        return _pausedAt != 0;
    }

    /// @inheritdoc ISettlement
    function pausedSeconds() public view returns (uint64) {
        uint64 pausedAt = _pausedAt;
        return _pausedSecondsEnded + (pausedAt == 0 ? 0 : uint64(block.timestamp) - pausedAt);
    }

    /// @inheritdoc ISettlement
    function challengeClock() public view returns (uint64) {
        return uint64(block.timestamp) - pausedSeconds();
    }

    /// @inheritdoc ISettlement
    function totalCommitted() external view returns (uint256) {
        return _totalCommitted;
    }

    /// @inheritdoc ISettlement
    function totalWithdrawn() external view returns (uint256) {
        return _totalWithdrawn;
    }

    /// @inheritdoc ISettlement
    function escrowBalance() external view returns (uint256) {
        return token.balanceOf(address(this));
    }

    /// @dev The checks of {submitBatch}, in the documented order. Returns the amount committed through
    /// this batch in its shard and the challenge-clock second its window ends; adds the batch to the
    /// running total of all shards.
    function _admit(Sequence storage q, uint64 batchId, uint64 intervalStart, uint64 intervalEnd, uint256 totalAmount)
        private
        returns (uint256 committed, uint64 windowEndsAt)
    {
        uint64 expected = q.nextBatchId;
        if (expected == 0) expected = 1;
        if (batchId != expected) revert SettlementBatchOutOfOrder(expected, batchId);
        if (intervalEnd <= intervalStart) revert SettlementIntervalInvalid(intervalStart, intervalEnd);
        if (sandboxEnd != 0 && intervalEnd > sandboxEnd) revert SettlementSandboxEnded(sandboxEnd, intervalEnd);
        // Not paused (whenNotPaused), so the challenge clock is block time minus the ended pauses.
        windowEndsAt = uint64(block.timestamp) - _pausedSecondsEnded + challengeWindowSeconds;
        if (batchId > 1) {
            BatchRecord storage previous = q.batches[batchId - 1];
            // docs/design.md §Batches: energy is never lost or counted twice, so intervals follow
            // each other without gaps.
            if (intervalStart != previous.intervalEnd) {
                revert SettlementIntervalNotContiguous(previous.intervalEnd, intervalStart);
            }
            committed = previous.committedThrough;
            // Issue #10: a shortened window must not let this batch be final before the previous one.
            if (previous.windowEndsAt > windowEndsAt) windowEndsAt = previous.windowEndsAt;
        }
        if (totalAmount > batchCap) revert SettlementBatchCapExceeded(totalAmount, batchCap);
        committed += totalAmount;
        // Budget and escrow are global: every shard's live batches together.
        uint256 allCommitted = uint256(_totalCommitted) + totalAmount;
        if (allCommitted > budget) revert SettlementBudgetExceeded(allCommitted, budget);
        uint256 funded = token.balanceOf(address(this)) + _totalWithdrawn;
        if (allCommitted > funded) revert SettlementEscrowInsufficient(allCommitted, funded);
        // Fits: allCommitted <= funded, and no token supply reaches 2^128 base units in practice;
        // checked all the same, since a truncated total would mis-state the escrow check.
        if (allCommitted > type(uint128).max) revert SettlementBudgetExceeded(allCommitted, type(uint128).max);
        _totalCommitted = uint128(allCommitted);
    }

    /// @dev The payouts root of a final batch; reverts with {SettlementBatchNotFinal} otherwise.
    function _finalRoot(Sequence storage q, uint32 shard, uint64 batchId) private view returns (bytes32) {
        if (!isFinal(shard, batchId)) revert SettlementBatchNotFinal(batchId, status(shard, batchId));
        return q.batches[batchId].payoutsRoot;
    }

    function _checkProof(
        bytes32[] calldata proof,
        bytes32 root,
        uint32 shard,
        uint64 batchId,
        address payee,
        uint256 cumulativeAmount
    ) private pure {
        // OpenZeppelin StandardMerkleTree leaf: keccak256(bytes.concat(keccak256(abi.encode(...)))).
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(payee, cumulativeAmount))));
        if (!MerkleProof.verifyCalldata(proof, root, leaf)) {
            revert SettlementInvalidProof(shard, batchId, payee, cumulativeAmount);
        }
    }

    /// @dev Pays what the proof shows beyond `already` and returns it. A shard never pays more than
    /// the batch it pays on committed through (issue #13): a wrong payouts tree of one shard cannot
    /// reach the escrow another shard's batches committed.
    function _pay(
        Sequence storage q,
        bytes32 root,
        uint32 shard,
        uint64 batchId,
        address payee,
        uint256 cumulativeAmount,
        uint256 already,
        bytes32[] calldata proof
    ) private returns (uint256 amount) {
        _checkProof(proof, root, shard, batchId, payee, cumulativeAmount);
        amount = cumulativeAmount - already;
        uint256 paidOut = q.paidOut + amount;
        uint256 committed = q.batches[batchId].committedThrough;
        if (paidOut > committed) revert SettlementShardOverpaid(shard, paidOut, committed);
        q.paidOut = paidOut;
        q.withdrawn[payee] = cumulativeAmount;
        token.safeTransfer(payee, amount);
        emit Withdrawn(payee, shard, batchId, amount, cumulativeAmount);
    }

    /// @dev Removes the frozen ids in [from, through] and recomputes the lowest one. Costs grow with
    /// the number of batches frozen at the same time (a regulator's choice), never with claims.
    function _unfreezeFrom(Sequence storage q, uint64 from, uint64 through) private {
        uint64[] storage frozen = q.frozen;
        uint64 lowest = 0;
        uint256 i = 0;
        while (i < frozen.length) {
            uint64 id = frozen[i];
            if (id >= from && id <= through) {
                frozen[i] = frozen[frozen.length - 1];
                frozen.pop();
            } else {
                if (lowest == 0 || id < lowest) lowest = id;
                ++i;
            }
        }
        q.lowestFrozen = lowest;
    }
}

// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Batch settlement of feed-in claims
/// @notice The gateway commits one batch per closed interval: the Merkle roots of its claims and of
/// the cumulative payouts (OpenZeppelin StandardMerkleTree encoding), with totals. A batch becomes
/// final after the challenge window unless the regulator froze it or an earlier batch; then anyone
/// may withdraw a payee's earnings with a payouts proof.
/// Finality goes in order: a batch is final only once every earlier batch is, because its payouts
/// are cumulative and pay the earlier batches' amounts too (issue #10). So a batch's window never
/// ends before the previous batch's (a shortened window cannot reorder finality), an approval
/// releases only that batch (final once the earlier ones are), and the challenge clock stops while
/// paused (windows are extended by the pause; see {challengeClock}).
/// Shards (issue #13): every batch belongs to a shard (a `uint32`, one gateway's meters), and each
/// shard has its own batch ids from 1, contiguity, freezes, approvals, rejections and finality in
/// order: a freeze or rejection in one shard touches no other. Payouts are cumulative per shard
/// ({withdrawn}`(shard, payee)`), and a shard never pays out more than its batches committed. The
/// budget, the escrow, the caps, the challenge window, the pause and the sandbox end are global.
/// Errors about one batch name its id; the shard is the one the call named.
/// @dev Storage and gas per batch do not depend on the number of claims (docs/design.md §Batches:
/// the chain's cost per batch does not grow with the number of claims); the claims themselves live
/// off chain.
interface ISettlement {
    /// @notice Lifecycle of a batch, as reported by {status}.
    /// None: never submitted. Pending: inside the challenge window, or past it while an earlier batch
    /// is frozen. Frozen: held by the regulator. Approved: released by the regulator (final once every
    /// earlier batch is final; see {isFinal}). Final: challenge window passed, nothing frozen before
    /// it. Rejected: discarded by the regulator (itself or as a later batch of a rejected one); the
    /// gateway resubmits this id.
    enum BatchStatus {
        None,
        Pending,
        Frozen,
        Approved,
        Final,
        Rejected
    }

    /// @notice A batch as stored.
    /// @param intervalStart unix seconds (sandbox time), inclusive
    /// @param intervalEnd unix seconds (sandbox time), exclusive; the next batch starts here
    /// @param submittedAt block timestamp of the submission
    /// @param challengeEndsAt block timestamp from which the batch may be final if no pause follows its
    /// submission: its own window (the window in force at submission), but never before the previous
    /// batch's; every pause since the submission pushes it back by the pause's length
    /// ({pausedSeconds} now minus then)
    /// @param committedThrough total amount committed by the shard's batches up to and including this one
    struct Batch {
        uint64 intervalStart;
        uint64 intervalEnd;
        uint64 submittedAt;
        uint64 challengeEndsAt;
        uint32 claimCount;
        bytes32 claimsRoot;
        bytes32 payoutsRoot;
        uint256 totalExportWh;
        uint256 totalAmount;
        uint256 committedThrough;
    }

    /// @notice One payout of {withdrawMany}: `payee`'s cumulative amount in a final batch of `shard`.
    struct Withdrawal {
        uint32 shard;
        uint64 batchId;
        address payee;
        uint256 cumulativeAmount;
        bytes32[] proof;
    }

    /// @notice Batches of a shard are sequential: the next one must be `expected`.
    error SettlementBatchOutOfOrder(uint64 expected, uint64 given);
    /// @notice The interval is empty or reversed.
    error SettlementIntervalInvalid(uint64 intervalStart, uint64 intervalEnd);
    /// @notice The interval does not start where the previous batch ended.
    error SettlementIntervalNotContiguous(uint64 expectedStart, uint64 givenStart);
    /// @notice The batch pays more than the per-batch cap.
    error SettlementBatchCapExceeded(uint256 totalAmount, uint256 batchCap);
    /// @notice All batches of all shards together would commit more than the sandbox budget.
    error SettlementBudgetExceeded(uint256 committed, uint256 budget);
    /// @notice The escrow (token balance plus everything already withdrawn) does not cover the
    /// total committed after this batch.
    error SettlementEscrowInsufficient(uint256 committed, uint256 funded);
    /// @notice The batch is not in a state that allows this (freeze needs Pending, approve and
    /// reject need Frozen).
    error SettlementBatchStatusInvalid(uint64 batchId, BatchStatus status);
    /// @notice Withdrawals need a final batch.
    error SettlementBatchNotFinal(uint64 batchId, BatchStatus status);
    /// @notice The proof does not show `[payee, cumulativeAmount]` in the batch's payouts root.
    error SettlementInvalidProof(uint32 shard, uint64 batchId, address payee, uint256 cumulativeAmount);
    /// @notice The payee already withdrew at least `cumulativeAmount`.
    error SettlementNothingDue(address payee, uint256 cumulativeAmount, uint256 withdrawn);
    /// @notice The shard would pay out `paidOut` in total, more than the `committed` its batches
    /// committed through the batch withdrawn on: its payouts tree claims more than its totals.
    error SettlementShardOverpaid(uint32 shard, uint256 paidOut, uint256 committed);
    /// @notice The contract is paused (submissions and withdrawals stop).
    error SettlementPaused();
    /// @notice The contract is not paused.
    error SettlementNotPaused();
    /// @notice Escrow funding of zero.
    error SettlementZeroAmount();
    /// @notice The sandbox ended at `sandboxEnd` (unix s, sandbox time); no batch may reach past it.
    error SettlementSandboxEnded(uint64 sandboxEnd, uint64 intervalEnd);

    /// @notice A batch was committed. Intervals are unix seconds (sandbox time).
    event BatchSubmitted(
        uint32 indexed shard,
        uint64 indexed batchId,
        uint64 intervalStart,
        uint64 intervalEnd,
        bytes32 claimsRoot,
        bytes32 payoutsRoot,
        uint32 claimCount,
        uint256 totalExportWh,
        uint256 totalAmount
    );
    /// @notice The regulator froze a batch; it and every later batch wait for approval or rejection.
    event BatchFrozen(uint32 indexed shard, uint64 indexed batchId, bytes32 reasonHash);
    /// @notice The regulator approved a frozen batch: it is final as soon as every earlier batch is
    /// (at once if they already are), whatever its own window.
    event BatchApproved(uint32 indexed shard, uint64 indexed batchId, bytes32 reasonHash);
    /// @notice The regulator rejected a frozen batch: batches `batchId`..`discardedThrough` were
    /// discarded from `shard` and its `nextBatchId` is `batchId` again.
    event BatchRejected(uint32 indexed shard, uint64 indexed batchId, uint64 discardedThrough, bytes32 reasonHash);
    /// @notice `amount` was paid to `payee` on a proof of `shard`'s `batchId`; `cumulativeAmount` is
    /// now withdrawn from that shard in total.
    event Withdrawn(
        address indexed payee, uint32 indexed shard, uint64 indexed batchId, uint256 amount, uint256 cumulativeAmount
    );
    /// @notice Tokens were added to the escrow; `escrowBalance` is the balance afterwards.
    event EscrowFunded(address indexed from, uint256 amount, uint256 escrowBalance);
    /// @notice The regulator changed the caps (type(uint256).max = no cap).
    event LimitsChanged(uint256 batchCap, uint256 budget);
    /// @notice The regulator changed the challenge window for batches submitted from now on. A batch's
    /// window still never ends before the previous batch's.
    event ChallengeWindowChanged(uint64 challengeWindowSeconds);
    /// @notice The regulator paused submissions and withdrawals; the challenge clock stops.
    event Paused(address account, bytes32 reasonHash);
    /// @notice The regulator resumed submissions and withdrawals; the challenge clock runs again.
    event Unpaused(address account, bytes32 reasonHash);
    /// @notice The regulator ended the sandbox: no interval ending after `sandboxEnd` (unix s,
    /// sandbox time) is settled; withdrawals of what was settled go on.
    event SandboxEnded(uint64 sandboxEnd, bytes32 reasonHash, address endedBy);

    /// @notice Commits a batch of `shard`. GATEWAY_ROLE, not paused. `batchId` must be the shard's {nextBatchId}.
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
    ) external;

    /// @notice Holds a pending (not yet final) batch; also while paused, so a batch whose window would
    /// have run out during a pause can still be held. REGULATOR_ROLE.
    function freezeBatch(uint32 shard, uint64 batchId, bytes32 reasonHash) external;
    /// @notice Releases a frozen batch: it is final once every earlier batch is final (at once if they
    /// are), without waiting for its own window. Never releases an earlier batch. REGULATOR_ROLE.
    function approveBatch(uint32 shard, uint64 batchId, bytes32 reasonHash) external;
    /// @notice Discards a frozen batch and every later one of its shard; totals roll back. REGULATOR_ROLE.
    function rejectBatch(uint32 shard, uint64 batchId, bytes32 reasonHash) external;
    /// @notice Stops submissions and withdrawals and the challenge clock: no window runs out while
    /// paused (only an approval makes a batch final). REGULATOR_ROLE.
    function pause(bytes32 reasonHash) external;
    /// @notice Resumes submissions, withdrawals and the challenge clock. REGULATOR_ROLE.
    function unpause(bytes32 reasonHash) external;
    /// @notice Ends the sandbox at `sandboxEnd` (unix s, sandbox time), once. REGULATOR_ROLE.
    function endSandbox(uint64 sandboxEnd, bytes32 reasonHash) external;
    /// @notice Sets the per-batch cap and the total budget (type(uint256).max = no cap). REGULATOR_ROLE.
    function setLimits(uint256 batchCap, uint256 budget) external;
    /// @notice Sets the challenge window for batches submitted from now on; a later batch's window
    /// still ends no earlier than the batch's before it. REGULATOR_ROLE.
    function setChallengeWindow(uint64 challengeWindowSeconds) external;
    /// @notice Pulls `amount` tokens from the caller into the escrow (needs an allowance). OPERATOR_ROLE.
    /// A plain token transfer to this contract funds the escrow as well.
    function fundEscrow(uint256 amount) external;
    /// @notice Pays `payee` what a final batch of `shard` owes beyond what was already withdrawn from
    /// that shard. Anyone may call.
    function withdraw(uint32 shard, uint64 batchId, address payee, uint256 cumulativeAmount, bytes32[] calldata proof)
        external;
    /// @notice {withdraw} for many (shard, batch, payee) in one transaction: an operator's sweep, or a
    /// household's payouts from every shard at once. A payee already paid up to its amount in that
    /// shard is skipped; a bad proof or a batch not final reverts the whole call. Anyone may call.
    function withdrawMany(Withdrawal[] calldata withdrawals) external;

    /// @notice The id the shard's next batch must have (1 for a shard that never submitted).
    function nextBatchId(uint32 shard) external view returns (uint64);
    function batch(uint32 shard, uint64 batchId) external view returns (Batch memory);
    function status(uint32 shard, uint64 batchId) external view returns (BatchStatus);
    /// @notice Withdrawals allowed on the shard's `batchId`: submitted and not rejected, no batch of
    /// the shard up to it frozen, every earlier batch of the shard final, and either approved or its
    /// window over on the {challengeClock}.
    function isFinal(uint32 shard, uint64 batchId) external view returns (bool);
    /// @notice Withdrawn by `payee` from `shard` in total.
    function withdrawn(uint32 shard, address payee) external view returns (uint256);
    /// @notice Withdrawn from `shard` by all its payees together (never above {shardCommitted}).
    function shardWithdrawn(uint32 shard) external view returns (uint256);
    /// @notice Committed by the shard's live (not rejected) batches.
    function shardCommitted(uint32 shard) external view returns (uint256);
    /// @notice Every shard that ever submitted a batch, in order of its first batch.
    function shards() external view returns (uint32[] memory);
    /// @notice Committed by the live batches of every shard (a running total).
    function totalCommitted() external view returns (uint256);
    function totalWithdrawn() external view returns (uint256);
    function escrowBalance() external view returns (uint256);
    function paused() external view returns (bool);
    /// @notice Seconds the contract has been paused in total, the current pause included.
    function pausedSeconds() external view returns (uint64);
    /// @notice The clock challenge windows run on: block time minus {pausedSeconds}. It stands still
    /// while paused.
    function challengeClock() external view returns (uint64);
    /// @notice 0 while the sandbox runs; else the end set by {endSandbox}.
    function sandboxEnd() external view returns (uint64);
    function batchCap() external view returns (uint256);
    function budget() external view returns (uint256);
    function challengeWindowSeconds() external view returns (uint64);
}

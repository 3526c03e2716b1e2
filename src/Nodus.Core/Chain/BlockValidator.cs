using Nodus.Wire.Encoding;
using Nodus.Wire.Types;

namespace Nodus.Core.Chain;

/// <summary>
/// Block rules the network layer enforces, with Bitcoin Core's reason strings: the context-free CheckBlock
/// (proof of work, merkle root and its mutation, sizes, coinbase placement, transaction structure, legacy sigops,
/// duplicates) and the contextual checks (BIP 34 height, weight, witness commitment, the pluggable validator).
/// </summary>
public static class BlockValidator
{
    /// <summary>True for reasons that may come from a corrupted body of a valid header: the header is not marked invalid.</summary>
    public static bool IsPossibleMutation(string reason) =>
        reason is "bad-txnmrklroot" or "bad-txns-duplicate" or "bad-witness-merkle-match" or "unexpected-witness" or "bad-witness-nonce-size";

    public static ValidationResult CheckBlock(Block block, NetworkParams network, bool checkProofOfWork = true) =>
        CheckBlock(block, network, checkProofOfWork, out _, out _);

    /// <summary>
    /// <see cref="CheckBlock(Block, NetworkParams, bool)"/> and, when it passes, <see cref="CheckContextual"/>: what a
    /// node does with a block body it receives. The transaction ids are compared with the block's memo once for both.
    /// </summary>
    public static ValidationResult CheckBlockInContext(Block block, int height, long lockTimeCutoff, NetworkParams network,
        ITransactionValidator validator, bool checkProofOfWork = true)
    {
        var result = CheckBlock(block, network, checkProofOfWork, out var checks, out var ids);
        return result.IsValid ? CheckContextual(block, height, lockTimeCutoff, network, validator, checks, ids) : result;
    }

    /// <param name="checks">The per-transaction results, once CheckBlock got as far as them (always when it passes).</param>
    /// <param name="inspected">The transaction ids' facts, once looked at (always when it passes).</param>
    private static ValidationResult CheckBlock(Block block, NetworkParams network, bool checkProofOfWork, out TransactionChecks? checks,
        out Block.TransactionIdFacts? inspected)
    {
        checks = null;
        inspected = null;
        if (checkProofOfWork)
        {
            var pow = HeaderValidator.CheckProofOfWork(block.Header, block.GetHash(), network);
            if (!pow.IsValid) return pow;
        }

        var txs = block.Transactions;
        // One comparison of the ids with the block's memo answers the merkle questions and finds the per-transaction
        // results (a block checked twice, or handed to many nodes in one process, is hashed and walked once); every
        // check below still runs for every call, on those results.
        var ids = block.InspectTransactionIds(TransactionChecks.MemoOwner);
        inspected = ids;
        if (ids.MerkleRoot != block.Header.MerkleRoot) return ValidationResult.Invalid("bad-txnmrklroot");
        if (ids.Mutated) return ValidationResult.Invalid("bad-txns-duplicate");

        if (txs.Count == 0 || txs.Count * ConsensusLimits.WitnessScaleFactor > ConsensusLimits.MaxBlockWeight)
            return ValidationResult.Invalid("bad-blk-length");
        checks = TransactionChecks.Of(block, ids);
        long baseSize = BlockHeader.EncodedSize + WireStream.CompactSizeLength((ulong)txs.Count) + checks.BaseSize;
        if (baseSize * ConsensusLimits.WitnessScaleFactor > ConsensusLimits.MaxBlockWeight)
            return ValidationResult.Invalid("bad-blk-length");

        if (!txs[0].IsCoinbase) return ValidationResult.Invalid("bad-cb-missing");
        if (checks.CoinbaseAfterFirst) return ValidationResult.Invalid("bad-cb-multiple");

        if (!checks.FirstFailure.IsValid) return checks.FirstFailure;

        // The merkle mutation check catches the CVE-2012-2459 duplicates; this catches any other repeated txid.
        if (ids.HasDuplicates) return ValidationResult.Invalid("bad-txns-duplicate");

        if (checks.LegacySigOps * ConsensusLimits.WitnessScaleFactor > ConsensusLimits.MaxBlockSigOpsCost)
            return ValidationResult.Invalid("bad-blk-sigops");
        return ValidationResult.Ok;
    }

    /// <summary>
    /// The per-transaction part of CheckBlock and of the lock-time rule: the first failing CheckTransaction, the
    /// legacy sigop count, the legacy (witness-stripped) size, whether a coinbase follows the first transaction, and
    /// the highest lock times that could make a transaction non-final. All depend only on what the txids hash, so
    /// they are memoised on the block with its ids (see <see cref="Block.GetTransactionMemo"/>): in one process — the
    /// simulator hands the miner's block object to every node — a block's transactions are walked once, while every
    /// node still runs every check on the results. Bitcoin Core memoises the whole CheckBlock on the block object
    /// (CBlock::fChecked).
    /// </summary>
    private sealed record TransactionChecks(ValidationResult FirstFailure, long LegacySigOps, long BaseSize,
        bool CoinbaseAfterFirst, long MaxHeightLock, long MaxTimeLock)
    {
        public static readonly object MemoOwner = new();

        public static TransactionChecks Of(Block block) => Of(block, block.InspectTransactionIds(MemoOwner));

        public static TransactionChecks Of(Block block, Block.TransactionIdFacts ids)
        {
            if (ids.Memo is TransactionChecks known) return known;
            var failure = ValidationResult.Ok;
            long sigOps = 0, baseSize = 0, maxHeightLock = long.MinValue, maxTimeLock = long.MinValue; // none yet
            bool coinbaseAfterFirst = false;
            var txs = block.Transactions;
            for (int i = 0; i < txs.Count; i++)
            {
                var tx = txs[i];
                if (failure.IsValid)
                {
                    var check = CheckTransaction(tx);
                    // As CheckBlock, which stops at the first bad transaction before counting sigops.
                    if (!check.IsValid) failure = check;
                    else sigOps += SigOps.CountLegacy(tx);
                }
                baseSize += tx.GetSerializedSize(withWitness: false);
                if (i > 0 && tx.IsCoinbase) coinbaseAfterFirst = true;
                if (tx.LockTime != 0 && !AllInputsFinal(tx))
                {
                    if (tx.LockTime < LockTime.Threshold) maxHeightLock = Math.Max(maxHeightLock, tx.LockTime);
                    else maxTimeLock = Math.Max(maxTimeLock, tx.LockTime);
                }
            }
            var checks = new TransactionChecks(failure, sigOps, baseSize, coinbaseAfterFirst, maxHeightLock, maxTimeLock);
            ids.Remember(checks);
            return checks;
        }

        /// <summary>Every transaction final at <paramref name="height"/> and <paramref name="cutoff"/>: what
        /// <see cref="LockTime.IsFinal"/> of each says, as a non-final one needs a lock time at or past its bound.</summary>
        public bool AllFinal(int height, long cutoff) => MaxHeightLock < height && MaxTimeLock < cutoff;

        private static bool AllInputsFinal(Transaction tx)
        {
            foreach (var input in tx.Inputs)
                if (input.Sequence != LockTime.SequenceFinal) return false;
            return true;
        }
    }

    /// <summary>Bitcoin's CheckTransaction: structure only, no inputs looked up.</summary>
    public static ValidationResult CheckTransaction(Transaction tx)
    {
        if (tx.Inputs.Count == 0) return ValidationResult.Invalid("bad-txns-vin-empty");
        if (tx.Outputs.Count == 0) return ValidationResult.Invalid("bad-txns-vout-empty");
        if ((long)tx.GetSerializedSize(withWitness: false) * ConsensusLimits.WitnessScaleFactor > ConsensusLimits.MaxBlockWeight)
            return ValidationResult.Invalid("bad-txns-oversize");

        long total = 0;
        foreach (var output in tx.Outputs)
        {
            if (output.Value < 0) return ValidationResult.Invalid("bad-txns-vout-negative");
            if (output.Value > ConsensusLimits.MaxMoney) return ValidationResult.Invalid("bad-txns-vout-toolarge");
            total += output.Value;
            if (total > ConsensusLimits.MaxMoney) return ValidationResult.Invalid("bad-txns-txouttotal-toolarge");
        }

        if (HasDuplicateInputs(tx.Inputs)) return ValidationResult.Invalid("bad-txns-inputs-duplicate");

        if (tx.IsCoinbase)
        {
            int length = tx.Inputs[0].ScriptSig.Length;
            if (length is < ConsensusLimits.MinCoinbaseScriptLength or > ConsensusLimits.MaxCoinbaseScriptLength)
                return ValidationResult.Invalid("bad-cb-length");
        }
        else
        {
            foreach (var input in tx.Inputs)
                if (input.PrevOut.IsNull) return ValidationResult.Invalid("bad-txns-prevout-null");
        }
        return ValidationResult.Ok;
    }

    /// <summary>Inputs compared pairwise up to this many (no allocation: most transactions have one to a few inputs), hashed above.</summary>
    private const int PairwiseInputLimit = 16;

    private static bool HasDuplicateInputs(List<TxIn> inputs)
    {
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(inputs);
        if (span.Length > PairwiseInputLimit)
        {
            var spent = new HashSet<OutPoint>(span.Length);
            foreach (ref readonly var input in span)
                if (!spent.Add(input.PrevOut)) return true;
            return false;
        }
        for (int i = 1; i < span.Length; i++)
            for (int j = 0; j < i; j++)
                if (span[i].PrevOut.Equals(span[j].PrevOut)) return true;
        return false;
    }

    /// <summary>Rules that need the block's place in the chain (Bitcoin's ContextualCheckBlock).</summary>
    /// <param name="lockTimeCutoff">The parent's median time past (BIP 113), against which time lock times are judged.</param>
    public static ValidationResult CheckContextual(Block block, int height, long lockTimeCutoff, NetworkParams network, ITransactionValidator validator) =>
        CheckContextual(block, height, lockTimeCutoff, network, validator, checks: null, ids: null);

    /// <param name="checks">The per-transaction results CheckBlock just found for this block, or null to look them up.</param>
    /// <param name="ids">The transaction ids' facts CheckBlock just found (the witness memo is then known current
    /// without another comparison of the list when both memos share a snapshot), or null.</param>
    private static ValidationResult CheckContextual(Block block, int height, long lockTimeCutoff, NetworkParams network,
        ITransactionValidator validator, TransactionChecks? checks, Block.TransactionIdFacts? ids)
    {
        if (block.Transactions.Count == 0) return ValidationResult.Invalid("bad-blk-length");
        var coinbase = block.Transactions[0];
        if (!coinbase.IsCoinbase) return ValidationResult.Invalid("bad-cb-missing");
        if (!(checks ?? TransactionChecks.Of(block)).AllFinal(height, lockTimeCutoff)) return ValidationResult.Invalid("bad-txns-nonfinal");

        if (height >= network.Bip34Height && height > 0)
        {
            if (!CoinbaseHeight.Begins(coinbase.Inputs[0].ScriptSig, height))
                return ValidationResult.Invalid("bad-cb-height");
        }

        var wtxids = ids is { } facts ? facts.InspectWitnessIds(WitnessChecks.MemoOwner) : block.InspectWitnessIds(WitnessChecks.MemoOwner);
        var witness = CheckWitness(block, wtxids);
        if (!witness.IsValid) return witness;

        long weight = BlockHeader.EncodedSize * ConsensusLimits.WitnessScaleFactor + Weight(coinbase) + WitnessChecks.Of(block, wtxids).WeightAfterCoinbase;
        weight += WireStream.CompactSizeLength((ulong)block.Transactions.Count) * ConsensusLimits.WitnessScaleFactor;
        if (weight > ConsensusLimits.MaxBlockWeight) return ValidationResult.Invalid("bad-blk-weight");

        // The permissive validator accepts every transaction: asking it thousands of times would change nothing.
        if (validator is PermissiveTransactionValidator) return ValidationResult.Ok;
        for (int i = 1; i < block.Transactions.Count; i++)
        {
            var result = validator.Validate(block.Transactions[i], height);
            if (!result.IsValid) return result;
        }
        return ValidationResult.Ok;
    }

    /// <summary>BIP 141 weight of one transaction: its legacy size counted four times, its witness bytes once.</summary>
    private static long Weight(Transaction tx) =>
        tx.GetSerializedSize(withWitness: false) * (ConsensusLimits.WitnessScaleFactor - 1) + tx.GetSerializedSize(withWitness: true);

    /// <summary>
    /// The weight of the transactions after the coinbase: it depends only on what their wtxids hash, so it is memoised
    /// on the block with its witness tree (as <see cref="TransactionChecks"/> with the txids): a block handed to many
    /// nodes in one process is walked once, while every node still checks the block's weight against the limit.
    /// </summary>
    private sealed record WitnessChecks(long WeightAfterCoinbase)
    {
        public static readonly object MemoOwner = new();

        public static WitnessChecks Of(Block block, Block.WitnessIdFacts wtxids)
        {
            if (wtxids.Memo is WitnessChecks known) return known;
            long weight = 0;
            var txs = block.Transactions;
            for (int i = 1; i < txs.Count; i++) weight += Weight(txs[i]);
            var checks = new WitnessChecks(weight);
            wtxids.Remember(checks);
            return checks;
        }
    }

    /// <summary>BIP 141: witness data only with a matching commitment in the coinbase.</summary>
    private static ValidationResult CheckWitness(Block block, Block.WitnessIdFacts wtxids)
    {
        var coinbase = block.Transactions[0];
        int index = WitnessCommitment.FindIndex(coinbase);
        if (index >= 0)
        {
            var reserved = coinbase.Inputs[0].Witness;
            if (reserved is not { Length: 1 } || reserved[0].Length != 32) return ValidationResult.Invalid("bad-witness-nonce-size");
            var commitment = WitnessCommitment.Compute(wtxids.MerkleRoot, reserved[0]);
            if (new Hash256(coinbase.Outputs[index].ScriptPubKey.AsSpan(6, 32)) != commitment)
                return ValidationResult.Invalid("bad-witness-merkle-match");
            return ValidationResult.Ok;
        }
        return coinbase.HasWitness || wtxids.AnyWitnessAfterCoinbase ? ValidationResult.Invalid("unexpected-witness") : ValidationResult.Ok;
    }
}

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

    public static ValidationResult CheckBlock(Block block, NetworkParams network, bool checkProofOfWork = true)
    {
        if (checkProofOfWork)
        {
            var pow = HeaderValidator.CheckProofOfWork(block.Header, block.GetHash(), network);
            if (!pow.IsValid) return pow;
        }

        var txs = block.Transactions;
        // Memoised on the block with the ids it was computed from (a block checked twice, or handed to many nodes
        // in one process, hashes its tree once); every check below still runs for every call.
        var root = block.ComputeMerkleRoot(out bool mutated);
        if (root != block.Header.MerkleRoot) return ValidationResult.Invalid("bad-txnmrklroot");
        if (mutated) return ValidationResult.Invalid("bad-txns-duplicate");

        if (txs.Count == 0 || txs.Count * ConsensusLimits.WitnessScaleFactor > ConsensusLimits.MaxBlockWeight)
            return ValidationResult.Invalid("bad-blk-length");
        long baseSize = BlockHeader.EncodedSize + WireStream.CompactSizeLength((ulong)txs.Count);
        foreach (var tx in txs) baseSize += tx.GetSerializedSize(withWitness: false);
        if (baseSize * ConsensusLimits.WitnessScaleFactor > ConsensusLimits.MaxBlockWeight)
            return ValidationResult.Invalid("bad-blk-length");

        if (!txs[0].IsCoinbase) return ValidationResult.Invalid("bad-cb-missing");
        for (int i = 1; i < txs.Count; i++)
            if (txs[i].IsCoinbase) return ValidationResult.Invalid("bad-cb-multiple");

        var checks = TransactionChecks.Of(block);
        if (!checks.FirstFailure.IsValid) return checks.FirstFailure;

        // The merkle mutation check catches the CVE-2012-2459 duplicates; this catches any other repeated txid.
        if (block.HasDuplicateTransactionIds()) return ValidationResult.Invalid("bad-txns-duplicate");

        if (checks.LegacySigOps * ConsensusLimits.WitnessScaleFactor > ConsensusLimits.MaxBlockSigOpsCost)
            return ValidationResult.Invalid("bad-blk-sigops");
        return ValidationResult.Ok;
    }

    /// <summary>
    /// The per-transaction part of CheckBlock: the first failing CheckTransaction and the legacy sigop count. Both
    /// depend only on what the txids hash, so they are memoised on the block with its ids (see
    /// <see cref="Block.GetTransactionMemo"/>): in one process — the simulator hands the miner's block object to
    /// every node — a block's transactions are walked once, while every node still runs every check of CheckBlock
    /// on the results. Bitcoin Core memoises the whole CheckBlock on the block object (CBlock::fChecked).
    /// </summary>
    private sealed record TransactionChecks(ValidationResult FirstFailure, long LegacySigOps)
    {
        private static readonly object MemoOwner = new();

        public static TransactionChecks Of(Block block)
        {
            if (block.GetTransactionMemo(MemoOwner) is TransactionChecks known) return known;
            var failure = ValidationResult.Ok;
            long sigOps = 0;
            foreach (var tx in block.Transactions)
            {
                var check = CheckTransaction(tx);
                if (!check.IsValid)
                {
                    failure = check;
                    break; // as CheckBlock, which stops at the first bad transaction before counting sigops
                }
                sigOps += SigOps.CountLegacy(tx);
            }
            var checks = new TransactionChecks(failure, sigOps);
            block.SetTransactionMemo(MemoOwner, checks);
            return checks;
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
    public static ValidationResult CheckContextual(Block block, int height, long lockTimeCutoff, NetworkParams network, ITransactionValidator validator)
    {
        if (block.Transactions.Count == 0) return ValidationResult.Invalid("bad-blk-length");
        var coinbase = block.Transactions[0];
        if (!coinbase.IsCoinbase) return ValidationResult.Invalid("bad-cb-missing");
        foreach (var tx in block.Transactions)
            if (!LockTime.IsFinal(tx, height, lockTimeCutoff)) return ValidationResult.Invalid("bad-txns-nonfinal");

        if (height >= network.Bip34Height && height > 0)
        {
            var expected = CoinbaseHeight.Encode(height);
            var script = coinbase.Inputs[0].ScriptSig;
            if (script.Length < expected.Length || !script.AsSpan(0, expected.Length).SequenceEqual(expected))
                return ValidationResult.Invalid("bad-cb-height");
        }

        var witness = CheckWitness(block);
        if (!witness.IsValid) return witness;

        long weight = BlockHeader.EncodedSize * ConsensusLimits.WitnessScaleFactor;
        foreach (var tx in block.Transactions)
            weight += tx.GetSerializedSize(withWitness: false) * (ConsensusLimits.WitnessScaleFactor - 1) + tx.GetSerializedSize(withWitness: true);
        weight += WireStream.CompactSizeLength((ulong)block.Transactions.Count) * ConsensusLimits.WitnessScaleFactor;
        if (weight > ConsensusLimits.MaxBlockWeight) return ValidationResult.Invalid("bad-blk-weight");

        for (int i = 1; i < block.Transactions.Count; i++)
        {
            var result = validator.Validate(block.Transactions[i], height);
            if (!result.IsValid) return result;
        }
        return ValidationResult.Ok;
    }

    /// <summary>BIP 141: witness data only with a matching commitment in the coinbase.</summary>
    private static ValidationResult CheckWitness(Block block)
    {
        var coinbase = block.Transactions[0];
        int index = WitnessCommitment.FindIndex(coinbase);
        if (index >= 0)
        {
            var reserved = coinbase.Inputs[0].Witness;
            if (reserved is not { Length: 1 } || reserved[0].Length != 32) return ValidationResult.Invalid("bad-witness-nonce-size");
            var commitment = WitnessCommitment.Compute(block, reserved[0]);
            if (!coinbase.Outputs[index].ScriptPubKey.AsSpan(6, 32).SequenceEqual(commitment.ToArray()))
                return ValidationResult.Invalid("bad-witness-merkle-match");
            return ValidationResult.Ok;
        }
        foreach (var tx in block.Transactions)
            if (tx.HasWitness) return ValidationResult.Invalid("unexpected-witness");
        return ValidationResult.Ok;
    }
}

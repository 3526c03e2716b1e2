using Nodus.Core.Chain;
using Nodus.Wire.Types;

namespace Nodus.Core.Mempool;

/// <summary>Context-free checks of a loose transaction: Bitcoin Core's CheckTransaction (shared with block
/// validation), no coinbase outside a block, and the standard size policy.</summary>
public static class TransactionChecks
{
    /// <summary>Bitcoin Core's MAX_STANDARD_TX_WEIGHT (400,000) / WITNESS_SCALE_FACTOR: larger transactions are non-standard.</summary>
    public const int MaxStandardTxSize = 100_000;

    /// <summary>Runs the checks; <paramref name="size"/> is the full serialized size (with witness).</summary>
    public static MempoolAcceptResult Check(Transaction tx, int size)
    {
        var consensus = BlockValidator.CheckTransaction(tx);
        if (!consensus.IsValid) return new(MempoolAcceptStatus.Malformed, consensus.Reason);
        // A coinbase is only valid as a block's first transaction (Core's AcceptToMemoryPool: "coinbase").
        if (tx.IsCoinbase) return new(MempoolAcceptStatus.Malformed, "coinbase");
        if (size > MaxStandardTxSize)
            return new(MempoolAcceptStatus.NonStandard, $"tx-size ({size} > {MaxStandardTxSize} bytes)");
        return MempoolAcceptResult.Ok;
    }
}

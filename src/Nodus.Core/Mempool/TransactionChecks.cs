using Nodus.Wire.Types;

namespace Nodus.Core.Mempool;

/// <summary>Context-free checks of a loose transaction: Bitcoin Core's CheckTransaction plus its size policy.</summary>
public static class TransactionChecks
{
    /// <summary>Bitcoin's MAX_MONEY: 21 million coins of 100,000,000 base units (amount.h).</summary>
    public const long MaxMoney = 21_000_000L * 100_000_000L;

    /// <summary>Bitcoin Core's MAX_STANDARD_TX_WEIGHT (400,000) / WITNESS_SCALE_FACTOR: larger transactions are non-standard.</summary>
    public const int MaxStandardTxSize = 100_000;

    /// <summary>Bitcoin's MAX_BLOCK_WEIGHT / WITNESS_SCALE_FACTOR: no transaction without witness can exceed a block (consensus).</summary>
    public const int MaxConsensusTxSize = 1_000_000;

    /// <summary>Runs the checks; <paramref name="size"/> is the full serialized size (with witness).</summary>
    public static MempoolAcceptResult Check(Transaction tx, int size)
    {
        if (tx.Inputs.Count == 0) return Bad("bad-txns-vin-empty");
        if (tx.Outputs.Count == 0) return Bad("bad-txns-vout-empty");
        if (tx.GetSerializedSize(withWitness: false) > MaxConsensusTxSize) return Bad("bad-txns-oversize");
        long total = 0;
        foreach (var output in tx.Outputs)
        {
            if (output.Value < 0) return Bad("bad-txns-vout-negative");
            if (output.Value > MaxMoney) return Bad("bad-txns-vout-toolarge");
            total += output.Value;
            if (total > MaxMoney) return Bad("bad-txns-txouttotal-toolarge");
        }
        // A mempool never holds a coinbase: it is only valid as a block's first transaction (Core: "coinbase").
        if (tx.IsCoinbase) return Bad("coinbase");
        var seen = new HashSet<OutPoint>(tx.Inputs.Count);
        foreach (var input in tx.Inputs)
        {
            if (!seen.Add(input.PrevOut)) return Bad("bad-txns-inputs-duplicate");
            if (input.PrevOut.IsNull) return Bad("bad-txns-prevout-null");
        }
        if (size > MaxStandardTxSize)
            return new MempoolAcceptResult(MempoolAcceptStatus.NonStandard, $"tx-size ({size} > {MaxStandardTxSize} bytes)");
        return MempoolAcceptResult.Ok;
    }

    private static MempoolAcceptResult Bad(string reason) => new(MempoolAcceptStatus.Malformed, reason);
}

using Nodus.Wire.Types;

namespace Nodus.Core.Chain;

/// <summary>Bitcoin's IsFinalTx: whether a transaction's lock time lets it into a block at a height and time.</summary>
public static class LockTime
{
    /// <summary>LOCKTIME_THRESHOLD: lock times below are block heights, from it on Unix times.</summary>
    public const uint Threshold = 500_000_000;

    /// <summary>CTxIn::SEQUENCE_FINAL: an input with this sequence disables the lock time.</summary>
    public const uint SequenceFinal = uint.MaxValue;

    /// <param name="cutoff">The median time past of the block's parent (BIP 113), for time-based lock times.</param>
    public static bool IsFinal(Transaction tx, int height, long cutoff)
    {
        if (tx.LockTime == 0) return true;
        if (tx.LockTime < (tx.LockTime < Threshold ? height : cutoff)) return true;
        foreach (var input in tx.Inputs)
            if (input.Sequence != SequenceFinal) return false;
        return true;
    }
}

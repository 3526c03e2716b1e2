using System.Numerics;

namespace Nodus.Core.Chain;

/// <summary>
/// The bits a block must carry (Bitcoin's GetNextWorkRequired / CalculateNextWorkRequired): fixed at the limit on
/// regtest networks; otherwise unchanged within a retarget period and, at each period boundary, scaled by how long
/// the period actually took, clamped to a factor of 4 and capped at the limit.
/// </summary>
public static class DifficultyRule
{
    /// <summary>Bitcoin limits one retarget to a factor of 4 either way.</summary>
    public const int MaxAdjustmentFactor = 4;

    public static uint NextBits(ChainEntry parent, NetworkParams network)
    {
        if (network.NoRetargeting) return network.PowLimitBits;
        int nextHeight = parent.Height + 1;
        if (nextHeight % network.RetargetInterval != 0) return parent.Header.Bits;

        // As Bitcoin, the period is measured from its first block to its last (interval − 1 gaps: the known off-by-one).
        var first = parent.GetAncestor(parent.Height - (network.RetargetInterval - 1))!;
        return Retarget(parent.Header.Bits, (long)parent.Time - first.Time, network);
    }

    public static uint Retarget(uint lastBits, long actualTimespan, NetworkParams network)
    {
        long expected = network.TargetTimespanSeconds;
        actualTimespan = Math.Clamp(actualTimespan, expected / MaxAdjustmentFactor, expected * MaxAdjustmentFactor);
        var target = ProofOfWork.DecodeCompact(lastBits) * actualTimespan / expected;
        var limit = network.PowLimit;
        if (target > limit) target = limit;
        return ProofOfWork.EncodeCompact(BigInteger.Max(target, BigInteger.One));
    }
}

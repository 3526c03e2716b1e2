using Nodus.Wire.Encoding;
using Nodus.Wire.Types;

namespace Nodus.Core.Chain;

/// <summary>
/// Header rules (Bitcoin's CheckBlockHeader and ContextualCheckBlockHeader): proof of work against the bits, bits
/// equal to the difficulty rule's, a timestamp after the median of the previous 11 and at most 2 hours ahead.
/// </summary>
public static class HeaderValidator
{
    /// <summary>Context-free: the bits are a target within the network's limit and the hash meets it.</summary>
    public static ValidationResult CheckProofOfWork(in BlockHeader header, Hash256 hash, NetworkParams network) =>
        ProofOfWork.Check(hash, header.Bits, network.PowLimit)
            ? ValidationResult.Ok
            : ValidationResult.Invalid("high-hash");

    /// <summary>Rules that need the parent; <paramref name="now"/> is microseconds since the Unix epoch.</summary>
    public static ValidationResult CheckContextual(in BlockHeader header, ChainEntry parent, NetworkParams network, long now)
    {
        if (header.Bits != DifficultyRule.NextBits(parent, network))
            return ValidationResult.Invalid("bad-diffbits");
        if (header.Time <= parent.GetMedianTimePast())
            return ValidationResult.Invalid("time-too-old");
        if (header.Time > Time.ToUnixSeconds(now) + ConsensusLimits.MaxFutureBlockTimeSeconds)
            return new ValidationResult(ValidationOutcome.TimeTooNew, "time-too-new");
        if (header.Version < ConsensusLimits.MinBlockVersion && parent.Height + 1 >= network.Bip34Height)
            return ValidationResult.Invalid($"bad-version(0x{header.Version:x8})");
        return ValidationResult.Ok;
    }
}

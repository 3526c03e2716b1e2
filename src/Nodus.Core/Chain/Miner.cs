using System.Buffers.Binary;
using Nodus.Wire.Encoding;
using Nodus.Wire.Types;

namespace Nodus.Core.Chain;

public enum MiningStatus
{
    /// <summary>The header's nonce now meets its target.</summary>
    Found,
    /// <summary>The attempt budget ran out; call again with the same header to continue where it stopped.</summary>
    NotYet,
    /// <summary>Every nonce failed: change the extra nonce or the time and rebuild the header.</summary>
    NonceSpaceExhausted,
}

/// <summary>
/// Grinds nonces. A pure function with a bounded number of attempts per call, so that the engine can interleave
/// mining with message handling (and the simulator can charge virtual time per attempt).
/// </summary>
public static class Miner
{
    /// <summary>
    /// Tries nonces from <c>header.Nonce</c> upwards, at most <paramref name="maxAttempts"/> of them. On return the
    /// header holds the winning nonce (Found) or the next nonce to try (NotYet).
    /// </summary>
    public static MiningStatus Grind(ref BlockHeader header, long maxAttempts, out long attempts)
    {
        attempts = 0;
        var decoded = ProofOfWork.DecodeCompact(header.Bits, out bool negative, out bool overflow);
        if (negative || overflow || decoded.IsZero || decoded.GetBitLength() > 256)
            throw new ArgumentException($"bits {header.Bits:x8} do not encode a target", nameof(header));
        var target = ProofOfWork.TargetAsHash(decoded);

        Span<byte> bytes = stackalloc byte[BlockHeader.EncodedSize];
        header.WriteTo(bytes);
        uint nonce = header.Nonce;
        while (attempts < maxAttempts)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes[76..], nonce);
            attempts++;
            if (Sha256d.Hash(bytes).CompareTo(target) <= 0)
            {
                header.Nonce = nonce;
                return MiningStatus.Found;
            }
            if (nonce == uint.MaxValue)
            {
                header.Nonce = nonce;
                return MiningStatus.NonceSpaceExhausted;
            }
            nonce++;
        }
        header.Nonce = nonce;
        return MiningStatus.NotYet;
    }
}

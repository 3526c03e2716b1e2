using System.Numerics;
using Nodus.Wire.Encoding;

namespace Nodus.Core.Chain;

/// <summary>
/// Bitcoin's proof of work arithmetic: the compact "bits" encoding of a 256-bit target (arith_uint256::SetCompact /
/// GetCompact, with their sign and overflow rules), the hash-below-target check, and a block's work 2^256/(target+1).
/// </summary>
public static class ProofOfWork
{
    private static readonly BigInteger TwoTo256 = BigInteger.One << 256;

    /// <summary>Decodes compact bits like SetCompact: a base-256 exponent in the top byte and a 23-bit mantissa with a sign bit.</summary>
    public static BigInteger DecodeCompact(uint compact, out bool negative, out bool overflow)
    {
        int size = (int)(compact >> 24);
        uint word = compact & 0x007fffff;
        BigInteger value;
        if (size <= 3)
        {
            word >>= 8 * (3 - size);
            value = word;
        }
        else
        {
            value = (BigInteger)word << (8 * (size - 3));
        }
        negative = word != 0 && (compact & 0x00800000) != 0;
        overflow = word != 0 && (size > 34 || (word > 0xff && size > 33) || (word > 0xffff && size > 32));
        return value;
    }

    public static BigInteger DecodeCompact(uint compact) => DecodeCompact(compact, out _, out _);

    /// <summary>Encodes like GetCompact: the shortest mantissa, moved one byte right when its top bit would read as a sign.</summary>
    public static uint EncodeCompact(BigInteger value, bool negative = false)
    {
        if (value.Sign < 0) throw new ArgumentOutOfRangeException(nameof(value), "encode the magnitude and pass negative");
        int size = value.IsZero ? 0 : (int)((value.GetBitLength() + 7) / 8);
        uint compact = size <= 3
            ? (uint)(value << (8 * (3 - size)))
            : (uint)(value >> (8 * (size - 3)));
        if ((compact & 0x00800000) != 0)
        {
            compact >>= 8;
            size++;
        }
        compact |= (uint)size << 24;
        if (negative && (compact & 0x007fffff) != 0) compact |= 0x00800000;
        return compact;
    }

    /// <summary>The target that <paramref name="bits"/> stands for, or false when it is negative, zero, overflowing or easier than the limit.</summary>
    public static bool TryGetTarget(uint bits, BigInteger powLimit, out BigInteger target)
    {
        target = DecodeCompact(bits, out bool negative, out bool overflow);
        return !negative && !overflow && !target.IsZero && target <= powLimit;
    }

    /// <summary>Bitcoin's CheckProofOfWork: the bits are a valid target within the limit and the hash, as a number, is not above it.</summary>
    public static bool Check(Hash256 hash, uint bits, BigInteger powLimit)
    {
        var cached = Lookup(bits, powLimit);
        return cached.Valid && hash.CompareTo(cached.Target) <= 0;
    }

    // Consecutive headers almost always share their bits, so the decoded target and work of the last bits seen are
    // kept (an immutable object swapped atomically, safe when the simulator runs nodes on several threads).
    private sealed record DecodedBits(uint Bits, BigInteger Limit, bool Valid, Hash256 Target, BigInteger Work);
    private static volatile DecodedBits? _lastBits;

    private static DecodedBits Lookup(uint bits, BigInteger powLimit)
    {
        var last = _lastBits;
        if (last is not null && last.Bits == bits && last.Limit == powLimit) return last;
        bool valid = TryGetTarget(bits, powLimit, out var target);
        var decoded = new DecodedBits(bits, powLimit, valid, valid ? TargetAsHash(target) : default, ComputeBlockWork(bits));
        _lastBits = decoded;
        return decoded;
    }

    /// <summary>The target as a hash-ordered value, so miners compare with <see cref="Hash256.CompareTo"/> and no allocation.</summary>
    public static Hash256 TargetAsHash(BigInteger target)
    {
        Span<byte> bytes = stackalloc byte[Hash256.Size];
        bytes.Clear();
        if (!target.TryWriteBytes(bytes, out _, isUnsigned: true, isBigEndian: false))
            throw new ArgumentOutOfRangeException(nameof(target), "a target fits in 256 bits");
        return new Hash256(bytes);
    }

    /// <summary>GetBlockProof: the expected number of hashes to meet the target, 2^256 / (target + 1); zero for invalid bits.</summary>
    public static BigInteger GetBlockWork(uint bits)
    {
        var last = _lastBits;
        return last is not null && last.Bits == bits ? last.Work : ComputeBlockWork(bits);
    }

    private static BigInteger ComputeBlockWork(uint bits)
    {
        var target = DecodeCompact(bits, out bool negative, out bool overflow);
        if (negative || overflow || target.IsZero) return BigInteger.Zero;
        return TwoTo256 / (target + 1);
    }
}

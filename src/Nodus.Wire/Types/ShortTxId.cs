using System.Buffers.Binary;
using System.Security.Cryptography;
using Nodus.Wire.Encoding;

namespace Nodus.Wire.Types;

/// <summary>
/// The SipHash-2-4 key of one compact block (BIP 152 "short transaction IDs"): the first two little-endian 64-bit
/// words of a single SHA-256 of the 80-byte header followed by the 8-byte little-endian nonce. The nonce is chosen by
/// the sender, so an attacker cannot grind transactions that collide in every compact block.
/// </summary>
public readonly record struct ShortIdKey(ulong K0, ulong K1)
{
    /// <summary>BIP 152: short ids are 6 bytes, the SipHash output with its two most significant bytes dropped.</summary>
    public const int ShortIdLength = 6;

    private const ulong ShortIdMask = (1UL << (8 * ShortIdLength)) - 1;

    public static ShortIdKey For(in BlockHeader header, ulong nonce)
    {
        Span<byte> preimage = stackalloc byte[BlockHeader.EncodedSize + 8];
        header.WriteTo(preimage);
        BinaryPrimitives.WriteUInt64LittleEndian(preimage[BlockHeader.EncodedSize..], nonce);
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(preimage, digest);
        var (k0, k1) = SipHasher.KeyFromBytes(digest);
        return new ShortIdKey(k0, k1);
    }

    /// <summary>The short id of a transaction: over its wtxid in version 2 (segwit), as Bitcoin Core sends today.</summary>
    public ulong ShortId(Hash256 wtxid)
    {
        Span<byte> bytes = stackalloc byte[Hash256.Size];
        wtxid.CopyTo(bytes);
        return SipHasher.Hash(K0, K1, bytes) & ShortIdMask;
    }

    /// <summary>The short ids of many wtxids at once (<see cref="SipHasher.Hash32"/>, vectorised): the same values as
    /// <see cref="ShortId"/> for each.</summary>
    public void ShortIds(ReadOnlySpan<Hash256> wtxids, Span<ulong> shortIds)
    {
        SipHasher.Hash32(K0, K1, wtxids, shortIds);
        for (int i = 0; i < wtxids.Length; i++) shortIds[i] &= ShortIdMask;
    }
}

using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Nodus.Wire.Encoding;

/// <summary>Bitcoin's double SHA-256: block and transaction ids, and the 4-byte message checksum.</summary>
public static class Sha256d
{
    public static Hash256 Hash(ReadOnlySpan<byte> data)
    {
        Span<byte> h = stackalloc byte[32];
        SHA256.HashData(data, h);
        SHA256.HashData(h, h);
        return new Hash256(h);
    }

    /// <summary>SHA-256d over a possibly multi-segment buffer, without copying it.</summary>
    public static Hash256 Hash(in ReadOnlySequence<byte> data)
    {
        if (data.IsSingleSegment) return Hash(data.FirstSpan);
        using var inc = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var segment in data) inc.AppendData(segment.Span);
        Span<byte> h = stackalloc byte[32];
        inc.GetHashAndReset(h);
        SHA256.HashData(h, h);
        return new Hash256(h);
    }

    /// <summary>The message header's checksum: the first 4 bytes of SHA-256d, read little-endian.</summary>
    public static uint Checksum(in ReadOnlySequence<byte> payload)
    {
        Span<byte> h = stackalloc byte[32];
        Hash(payload).CopyTo(h);
        return BinaryPrimitives.ReadUInt32LittleEndian(h);
    }

    public static uint Checksum(ReadOnlySpan<byte> payload)
    {
        Span<byte> h = stackalloc byte[32];
        Hash(payload).CopyTo(h);
        return BinaryPrimitives.ReadUInt32LittleEndian(h);
    }
}

using Nodus.Wire.Encoding;

namespace Nodus.Wire.Types;

/// <summary>
/// The 80-byte block header: version, previous block hash, merkle root, time, compact target ("bits") and nonce.
/// Its SHA-256d is the block hash that proof of work is checked against.
/// </summary>
public struct BlockHeader : IWireValue<BlockHeader>, IEquatable<BlockHeader>
{
    public const int EncodedSize = 80;
    public static int MinEncodedSize => EncodedSize;

    public int Version;
    public Hash256 PrevBlock;
    public Hash256 MerkleRoot;
    public uint Time;
    public uint Bits;
    public uint Nonce;

    public static void ReadWrite(ref WireStream s, ref BlockHeader value)
    {
        s.Int32(ref value.Version);
        s.Hash(ref value.PrevBlock);
        s.Hash(ref value.MerkleRoot);
        s.UInt32(ref value.Time);
        s.UInt32(ref value.Bits);
        s.UInt32(ref value.Nonce);
    }

    public readonly void WriteTo(Span<byte> destination)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(destination, Version);
        PrevBlock.CopyTo(destination[4..]);
        MerkleRoot.CopyTo(destination[36..]);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(destination[68..], Time);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(destination[72..], Bits);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(destination[76..], Nonce);
    }

    /// <summary>The block hash: SHA-256d of the 80 serialized bytes.</summary>
    public readonly Hash256 GetHash()
    {
        Span<byte> bytes = stackalloc byte[EncodedSize];
        WriteTo(bytes);
        return Sha256d.Hash(bytes);
    }

    public readonly bool Equals(BlockHeader o) => Version == o.Version && PrevBlock == o.PrevBlock &&
        MerkleRoot == o.MerkleRoot && Time == o.Time && Bits == o.Bits && Nonce == o.Nonce;
    public override readonly bool Equals(object? obj) => obj is BlockHeader h && Equals(h);
    public override readonly int GetHashCode() => HashCode.Combine(PrevBlock, MerkleRoot, Nonce);
}

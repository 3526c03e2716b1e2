using Nodus.Wire.Encoding;

namespace Nodus.Wire.Types;

/// <summary>
/// The 80-byte block header: version, previous block hash, merkle root, time, compact target ("bits") and nonce.
/// Its SHA-256d is the block hash that proof of work is checked against.
/// </summary>
/// <remarks>
/// The hash is memoised: every header is hashed where it is received (and a simulated network hands the same header
/// value to thousands of nodes), so the first <see cref="GetHash"/> on a mutable location keeps its result, and
/// copies made afterwards carry it. A header is a value whose fields change only through its setters and its
/// decoder, and each of them drops the memo, so a stale hash cannot survive a change. The memo is one reference to an
/// immutable object, so a copy taken while another thread memoises sees either no hash or the right one.
/// </remarks>
public struct BlockHeader : IWireValue<BlockHeader>, IEquatable<BlockHeader>
{
    public const int EncodedSize = 80;
    public static int MinEncodedSize => EncodedSize;

    private int _version;
    private Hash256 _prevBlock;
    private Hash256 _merkleRoot;
    private uint _time;
    private uint _bits;
    private uint _nonce;
    private HashMemo? _hash;

    private sealed class HashMemo(Hash256 value)
    {
        public readonly Hash256 Value = value;
    }

    public int Version { readonly get => _version; set { _version = value; _hash = null; } }
    public Hash256 PrevBlock { readonly get => _prevBlock; set { _prevBlock = value; _hash = null; } }
    public Hash256 MerkleRoot { readonly get => _merkleRoot; set { _merkleRoot = value; _hash = null; } }
    public uint Time { readonly get => _time; set { _time = value; _hash = null; } }
    public uint Bits { readonly get => _bits; set { _bits = value; _hash = null; } }
    public uint Nonce { readonly get => _nonce; set { _nonce = value; _hash = null; } }

    public static void ReadWrite(ref WireStream s, ref BlockHeader value)
    {
        if (s.IsReading) value._hash = null; // decoded fields: whatever was memoised is about other bytes
        s.Int32(ref value._version);
        s.Hash(ref value._prevBlock);
        s.Hash(ref value._merkleRoot);
        s.UInt32(ref value._time);
        s.UInt32(ref value._bits);
        s.UInt32(ref value._nonce);
    }

    public readonly void WriteTo(Span<byte> destination)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(destination, _version);
        _prevBlock.CopyTo(destination[4..]);
        _merkleRoot.CopyTo(destination[36..]);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(destination[68..], _time);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(destination[72..], _bits);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(destination[76..], _nonce);
    }

    /// <summary>
    /// The block hash: SHA-256d of the 80 serialized bytes, computed once per header value (see remarks). On a
    /// read-only location (an <c>in</c> parameter, a get-only property) the compiler hands a copy, so the result is
    /// right but not kept: copy the header to a local first where it will be hashed again.
    /// </summary>
    public Hash256 GetHash()
    {
        if (_hash is { } known) return known.Value;
        var hash = ComputeHash();
        _hash = new HashMemo(hash);
        return hash;
    }

    /// <summary>SHA-256d of the serialized header, without looking at or keeping the memo.</summary>
    public readonly Hash256 ComputeHash()
    {
        Span<byte> bytes = stackalloc byte[EncodedSize];
        WriteTo(bytes);
        return Sha256d.Hash(bytes);
    }

    public readonly bool Equals(BlockHeader o) => _version == o._version && _prevBlock == o._prevBlock &&
        _merkleRoot == o._merkleRoot && _time == o._time && _bits == o._bits && _nonce == o._nonce;
    public override readonly bool Equals(object? obj) => obj is BlockHeader h && Equals(h);
    public override readonly int GetHashCode() => HashCode.Combine(_prevBlock, _merkleRoot, _nonce);
}

using Nodus.Wire.Encoding;

namespace Nodus.Wire.Types;

/// <summary>Inventory types of inv, getdata and notfound (Bitcoin's protocol.h).</summary>
public enum InvType : uint
{
    Error = 0,
    Tx = 1,
    Block = 2,
    FilteredBlock = 3,
    CompactBlock = 4,
    WitnessTx = 0x40000001,
    WitnessBlock = 0x40000002,
}

/// <summary>An inventory vector: a type and a hash. 36 bytes.</summary>
public struct InvVector : IWireValue<InvVector>, IEquatable<InvVector>
{
    public const int EncodedSize = 36;

    /// <summary>Entries per inv, getdata or notfound: Bitcoin Core's MAX_INV_SZ (net_processing.cpp).</summary>
    public const int MaxPerMessage = 50_000;
    public static int MinEncodedSize => EncodedSize;

    public InvType Type;
    public Hash256 Hash;

    public InvVector(InvType type, Hash256 hash)
    {
        Type = type;
        Hash = hash;
    }

    public static void ReadWrite(ref WireStream s, ref InvVector value)
    {
        uint type = (uint)value.Type;
        s.UInt32(ref type);
        value.Type = (InvType)type;
        s.Hash(ref value.Hash);
    }

    public readonly bool Equals(InvVector other) => Type == other.Type && Hash == other.Hash;
    public override readonly bool Equals(object? obj) => obj is InvVector v && Equals(v);
    public override readonly int GetHashCode() => HashCode.Combine(Type, Hash);
    public override readonly string ToString() => $"{Type}:{Hash}";
}

using System.Buffers.Binary;
using System.Globalization;

namespace Nodus.Wire.Encoding;

/// <summary>
/// A 32-byte hash in internal (wire) byte order. Bitcoin displays hashes byte-reversed, so
/// <see cref="ToString"/> and <see cref="Parse"/> use the reversed hex form that block explorers and bitcoin-cli show.
/// </summary>
public readonly struct Hash256 : IEquatable<Hash256>, IComparable<Hash256>, IWireValue<Hash256>
{
    public const int Size = 32;
    public static int MinEncodedSize => Size;

    /// <summary>Lets hashes travel in lists (block locators) through <see cref="WireStream.List{T}"/>.</summary>
    public static void ReadWrite(ref WireStream s, ref Hash256 value) => s.Hash(ref value);
    private readonly ulong _a, _b, _c, _d; // little-endian words of the internal byte order

    public static readonly Hash256 Zero;

    public Hash256(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size) throw new ArgumentException("a hash is 32 bytes", nameof(bytes));
        _a = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        _b = BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]);
        _c = BinaryPrimitives.ReadUInt64LittleEndian(bytes[16..]);
        _d = BinaryPrimitives.ReadUInt64LittleEndian(bytes[24..]);
    }

    public bool IsZero => (_a | _b | _c | _d) == 0;

    public void CopyTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, _a);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], _b);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], _c);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[24..], _d);
    }

    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        CopyTo(bytes);
        return bytes;
    }

    /// <summary>The hash as a 256-bit little-endian number, for comparing against a proof-of-work target.</summary>
    public System.Numerics.BigInteger ToBigInteger()
    {
        Span<byte> bytes = stackalloc byte[Size];
        CopyTo(bytes);
        return new System.Numerics.BigInteger(bytes, isUnsigned: true, isBigEndian: false);
    }

    /// <summary>Parses the byte-reversed display form (64 hex digits).</summary>
    public static Hash256 Parse(string hex)
    {
        if (!TryParse(hex, out var hash)) throw new FormatException($"'{hex}' is not a 64-digit hex hash");
        return hash;
    }

    public static bool TryParse(string? hex, out Hash256 hash)
    {
        hash = default;
        if (hex is null || hex.Length != Size * 2) return false;
        Span<byte> bytes = stackalloc byte[Size];
        for (int i = 0; i < Size; i++)
        {
            if (!byte.TryParse(hex.AsSpan(i * 2, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var b)) return false;
            bytes[Size - 1 - i] = b;
        }
        hash = new Hash256(bytes);
        return true;
    }

    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Size];
        CopyTo(bytes);
        bytes.Reverse();
        return Convert.ToHexStringLower(bytes);
    }

    public bool Equals(Hash256 other) => _a == other._a && _b == other._b && _c == other._c && _d == other._d;
    public override bool Equals(object? obj) => obj is Hash256 h && Equals(h);
    public override int GetHashCode() => (int)_a ^ (int)(_a >> 32); // already uniformly distributed
    public static bool operator ==(Hash256 l, Hash256 r) => l.Equals(r);
    public static bool operator !=(Hash256 l, Hash256 r) => !l.Equals(r);

    /// <summary>Orders as 256-bit numbers (most significant word last in wire order).</summary>
    public int CompareTo(Hash256 other)
    {
        int c = _d.CompareTo(other._d);
        if (c != 0) return c;
        c = _c.CompareTo(other._c);
        if (c != 0) return c;
        c = _b.CompareTo(other._b);
        return c != 0 ? c : _a.CompareTo(other._a);
    }
}

using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Nodus.Core.Discovery;

/// <summary>
/// An IP address and port as a compact value (the 16-byte IPv6 form, IPv4 mapped as ::ffff:a.b.c.d, as on the
/// wire). The address manager keys its tables with it: cheap to hash and compare, no IPAddress object per entry.
/// </summary>
public readonly record struct AddressKey(ulong High, ulong Low, ushort Port) : IComparable<AddressKey>
{
    /// <summary>The ::ffff:0:0/96 prefix of IPv4-mapped addresses, as the high 64 bits and the top of the low ones.</summary>
    private const ulong MappedLowPrefix = 0x0000_FFFF_0000_0000UL;

    public static AddressKey From(IPEndPoint endPoint) => From(endPoint.Address, (ushort)endPoint.Port);

    public static AddressKey From(IPAddress address, ushort port)
    {
        Span<byte> b = stackalloc byte[16];
        var a = address.AddressFamily == AddressFamily.InterNetwork ? address.MapToIPv6() : address;
        if (!a.TryWriteBytes(b, out int written) || written != 16) throw new ArgumentException($"not an IP address: {address}");
        return new AddressKey(BinaryPrimitives.ReadUInt64BigEndian(b), BinaryPrimitives.ReadUInt64BigEndian(b[8..]), port);
    }

    public static AddressKey FromIPv4(uint address, ushort port) => new(0, MappedLowPrefix | address, port);

    public bool IsIPv4 => High == 0 && (Low >> 32) == 0xFFFF;

    /// <summary>The IPv4 address as a big-endian integer (a.b.c.d = a&lt;&lt;24 | …); only for <see cref="IsIPv4"/>.</summary>
    public uint IPv4 => (uint)Low;

    /// <summary>Byte <paramref name="i"/> (0..15) of the 16-byte form.</summary>
    public byte this[int i] => (byte)(i < 8 ? High >> (56 - 8 * i) : Low >> (56 - 8 * (i - 8)));

    public IPAddress Address
    {
        get
        {
            if (IsIPv4) return new IPAddress(BinaryPrimitives.ReverseEndianness(IPv4));
            Span<byte> b = stackalloc byte[16];
            WriteAddress(b);
            return new IPAddress(b);
        }
    }

    public IPEndPoint EndPoint => new(Address, Port);

    /// <summary>The same address with another port (addresses compare with their port, as Bitcoin Core's CService).</summary>
    public AddressKey WithPort(ushort port) => this with { Port = port };

    /// <summary>Writes the 16 address bytes.</summary>
    public void WriteAddress(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, High);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], Low);
    }

    /// <summary>Writes the 18-byte key (address then big-endian port), the input of the keyed bucket hashes.</summary>
    public void Write(Span<byte> destination)
    {
        WriteAddress(destination);
        BinaryPrimitives.WriteUInt16BigEndian(destination[16..], Port);
    }

    public int CompareTo(AddressKey other)
    {
        int c = High.CompareTo(other.High);
        if (c == 0) c = Low.CompareTo(other.Low);
        return c != 0 ? c : Port.CompareTo(other.Port);
    }

    public override string ToString() => EndPoint.ToString();
}

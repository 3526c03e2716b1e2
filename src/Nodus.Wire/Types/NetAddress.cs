using System.Net;
using System.Net.Sockets;
using Nodus.Wire.Encoding;

namespace Nodus.Wire.Types;

/// <summary>
/// A network address as the version message carries it (no time): services, a 16-byte IPv6 address (IPv4 mapped
/// as ::ffff:a.b.c.d) and a big-endian port. 26 bytes.
/// </summary>
public struct NetAddress : IWireValue<NetAddress>, IEquatable<NetAddress>
{
    public const int EncodedSize = 26;
    public static int MinEncodedSize => EncodedSize;

    public ulong Services;
    public IPAddress Address;
    public ushort Port;

    public NetAddress(IPEndPoint endPoint, ulong services)
    {
        Services = services;
        Address = endPoint.Address;
        Port = (ushort)endPoint.Port;
    }

    public readonly IPEndPoint EndPoint => new(Address.IsIPv4MappedToIPv6 ? Address.MapToIPv4() : Address, Port);

    /// <summary>Whether <see cref="EndPoint"/> equals <paramref name="endPoint"/>, found without building it (every
    /// version received is compared with the address peers last saw us at).</summary>
    public readonly bool IsEndPoint(IPEndPoint? endPoint) =>
        endPoint is not null && endPoint.Port == Port &&
        (Address.IsIPv4MappedToIPv6 ? Address.MapToIPv4().Equals(endPoint.Address) : Address.Equals(endPoint.Address));

    public static void ReadWrite(ref WireStream s, ref NetAddress value)
    {
        s.UInt64(ref value.Services);
        Span<byte> ip = stackalloc byte[16];
        if (!s.IsReading)
        {
            var a = value.Address ?? IPAddress.IPv6Any;
            if (a.AddressFamily == AddressFamily.InterNetwork)
            {
                // ::ffff:a.b.c.d written in place (MapToIPv6 made a new address for every version message).
                ip[..10].Clear();
                ip[10] = ip[11] = 0xff;
                a.TryWriteBytes(ip[12..], out _);
            }
            else a.TryWriteBytes(ip, out _);
        }
        s.FixedBytes(ip);
        if (s.IsReading)
        {
            var a = new IPAddress(ip);
            value.Address = a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a;
        }
        s.UInt16BigEndian(ref value.Port);
    }

    public readonly bool Equals(NetAddress other) =>
        Services == other.Services && Port == other.Port && Equals(Address, other.Address);
    public override readonly bool Equals(object? obj) => obj is NetAddress a && Equals(a);
    public override readonly int GetHashCode() => HashCode.Combine(Services, Address, Port);
    public override readonly string ToString() => EndPoint.ToString();
}

/// <summary>An address with the time it was last seen, as carried in addr messages. 30 bytes.</summary>
public struct TimestampedAddress : IWireValue<TimestampedAddress>, IEquatable<TimestampedAddress>
{
    public const int EncodedSize = 30;
    public static int MinEncodedSize => EncodedSize;

    /// <summary>Unix time in seconds.</summary>
    public uint Time;
    public NetAddress Address;

    public TimestampedAddress(uint time, NetAddress address)
    {
        Time = time;
        Address = address;
    }

    public static void ReadWrite(ref WireStream s, ref TimestampedAddress value)
    {
        s.UInt32(ref value.Time);
        s.Value(ref value.Address);
    }

    public readonly bool Equals(TimestampedAddress other) => Time == other.Time && Address.Equals(other.Address);
    public override readonly bool Equals(object? obj) => obj is TimestampedAddress a && Equals(a);
    public override readonly int GetHashCode() => HashCode.Combine(Time, Address);
}

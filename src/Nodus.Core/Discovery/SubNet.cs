using System.Globalization;
using System.Net;

namespace Nodus.Core.Discovery;

/// <summary>
/// An IP subnet for bans (setban "ip(/netmask)"): a network address and a prefix length over the 128-bit form,
/// IPv4 prefixes counted from the start of the IPv4 part (so 1.2.3.0/24 is ::ffff:1.2.3.0/120 inside).
/// </summary>
public readonly record struct SubNet(AddressKey Network, int PrefixLength)
{
    public static SubNet Single(IPAddress address) => Of(AddressKey.From(address, 0), 128);

    public bool IsSingleAddress => PrefixLength == 128;

    public static SubNet Of(AddressKey address, int prefixLength)
    {
        ulong hiMask = prefixLength >= 64 ? ulong.MaxValue : prefixLength <= 0 ? 0 : ulong.MaxValue << (64 - prefixLength);
        ulong loMask = prefixLength >= 128 ? ulong.MaxValue : prefixLength <= 64 ? 0 : ulong.MaxValue << (128 - prefixLength);
        return new SubNet(new AddressKey(address.High & hiMask, address.Low & loMask, 0), prefixLength);
    }

    public bool Contains(AddressKey address) => Of(address, PrefixLength).Network == Network;

    public bool Contains(IPAddress address) => Contains(AddressKey.From(address, 0));

    /// <summary>Parses "1.2.3.4", "1.2.3.0/24", "1.2.3.0/255.255.255.0" or an IPv6 form; null when malformed.</summary>
    public static SubNet? Parse(string text)
    {
        string[] parts = text.Trim().Split('/');
        if (parts.Length > 2 || !IPAddress.TryParse(parts[0], out var ip)) return null;
        bool v4 = ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork;
        var key = AddressKey.From(ip, 0);
        if (parts.Length == 1) return Of(key, 128);
        int bits;
        if (int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n)) bits = n;
        else if (v4 && IPAddress.TryParse(parts[1], out var mask) && MaskBits(mask) is { } m) bits = m;
        else return null;
        if (bits < 0 || bits > (v4 ? 32 : 128)) return null;
        return Of(key, v4 ? bits + 96 : bits);
    }

    private static int? MaskBits(IPAddress mask)
    {
        byte[] b = mask.GetAddressBytes();
        uint v = (uint)(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]);
        int bits = System.Numerics.BitOperations.PopCount(v);
        uint contiguous = bits == 0 ? 0 : uint.MaxValue << (32 - bits);
        return v == contiguous ? bits : null;
    }

    /// <summary>Bitcoin Core's form: "1.2.3.4/32", "1.2.3.0/24", "2001:db8::/32".</summary>
    public override string ToString()
    {
        bool v4 = Network.IsIPv4 && PrefixLength >= 96;
        return $"{Network.Address}/{(v4 ? PrefixLength - 96 : PrefixLength)}";
    }
}

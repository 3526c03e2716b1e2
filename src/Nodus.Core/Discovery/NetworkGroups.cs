namespace Nodus.Core.Discovery;

/// <summary>
/// Which addresses are worth keeping and which "network group" each belongs to (Bitcoin Core's
/// CNetAddr::IsRoutable and NetGroupManager::GetGroup). The group is the unit of eclipse defence: bucket placement,
/// outbound diversity and eviction protection all count groups, so an attacker holding one /16 gains little.
/// In local mode (regtest, --allow-local-addresses) loopback and private addresses are routable and every IPv4
/// address is its own group, so that many nodes on 127.0.0.x behave like nodes spread over the Internet.
/// </summary>
public sealed class NetworkGroups
{
    /// <summary>Group classes, kept in the top byte of a group value.</summary>
    private const ulong ClassUnroutable = 0, ClassLocal = 1, ClassIPv4 = 2, ClassIPv6 = 3, ClassIPv6HurricaneElectric = 4, ClassInternal = 5;

    /// <summary>Bitcoin Core's internal-name prefix fd6b:88c0:8724::/48 (a ULA range): sources named by a hash, e.g. a DNS seed.</summary>
    private const ulong InternalPrefix = 0xFD6B_88C0_8724UL;

    public NetworkGroups(bool allowLocal) => AllowLocal = allowLocal;

    /// <summary>Internet rules (main, test).</summary>
    public static NetworkGroups Internet { get; } = new(false);

    /// <summary>Loopback and private addresses routable, each IPv4 address its own group (regtest).</summary>
    public static NetworkGroups Local { get; } = new(true);

    public bool AllowLocal { get; }

    /// <summary>Not a usable peer address anywhere: unspecified, broadcast, documentation, multicast.</summary>
    public static bool IsValid(AddressKey a)
    {
        if (a.IsIPv4)
        {
            uint v = a.IPv4;
            if (v == 0 || v == 0xFFFF_FFFF) return false;
            if (v >> 28 == 0xE) return false;                  // 224.0.0.0/4 multicast
            if (Prefix(v, 0xC000_0200, 24) || Prefix(v, 0xC633_6400, 24) || Prefix(v, 0xCB00_7100, 24)) return false; // RFC 5737
            return true;
        }
        if (a.High == 0 && a.Low == 0) return false;                // ::
        if (a.High >> 32 == 0x2001_0DB8) return false;              // RFC 3849 documentation
        if (a.High >> 56 == 0xFF) return false;                     // ff00::/8 multicast
        return true;
    }

    /// <summary>Loopback or "this network" (Bitcoin Core's IsLocal).</summary>
    public static bool IsLocal(AddressKey a) =>
        a.IsIPv4 ? a.IPv4 >> 24 is 127 or 0 : a.High == 0 && a.Low == 1;

    /// <summary>Private, link-local, shared, benchmarking and ULA ranges (RFC 1918, 2544, 3927, 6598, 4862, 4193, 4843, 7343).</summary>
    public static bool IsPrivate(AddressKey a)
    {
        if (a.IsIPv4)
        {
            uint v = a.IPv4;
            return Prefix(v, 0x0A00_0000, 8) || Prefix(v, 0xAC10_0000, 12) || Prefix(v, 0xC0A8_0000, 16) // RFC 1918
                || Prefix(v, 0xC612_0000, 15)                                                              // RFC 2544
                || Prefix(v, 0xA9FE_0000, 16)                                                              // RFC 3927
                || Prefix(v, 0x6440_0000, 10)                                                              // RFC 6598
                || v >> 28 == 0xF;                                                                         // 240/4 reserved
        }
        return a.High == 0xFE80_0000_0000_0000UL                    // RFC 4862 fe80::/64
            || a.High >> 57 == 0xFC >> 1                            // RFC 4193 fc00::/7
            || a.High >> 36 == 0x2001_001 || a.High >> 36 == 0x2001_002; // RFC 4843, RFC 7343 (/28)
    }

    /// <summary>
    /// A pseudo-address standing for a named source (Bitcoin Core's CNetAddr::SetInternal): each DNS seed, and the
    /// fixed seeds, become their own source group, so no one seed can fill the whole new table.
    /// </summary>
    public static AddressKey InternalSource(string name)
    {
        byte[] hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name));
        ulong high = InternalPrefix << 16 | (ulong)hash[0] << 8 | hash[1];
        return new AddressKey(high, System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(hash.AsSpan(2)), 0);
    }

    public static bool IsInternal(AddressKey a) => a.High >> 16 == InternalPrefix;

    public bool IsRoutable(AddressKey a) =>
        IsValid(a) && (AllowLocal || (!IsLocal(a) && !IsPrivate(a)));

    /// <summary>
    /// The group of an address as one number: IPv4 /16 (or the whole address in local mode), IPv4 embedded in
    /// 6to4, Teredo and NAT64 by its /16, Hurricane Electric's 2001:470::/32 by /36, other IPv6 by /32.
    /// Everything unroutable shares one group, as does everything local.
    /// </summary>
    public ulong GroupOf(AddressKey a)
    {
        if (IsInternal(a)) return ClassInternal << 56 | (a.High & 0xFFFF) << 40 | a.Low >> 24;
        if (!IsRoutable(a)) return IsValid(a) && IsLocal(a) ? ClassLocal << 56 : ClassUnroutable << 56;
        if (a.IsIPv4) return IPv4Group(a.IPv4);
        ulong hi = a.High;
        if (hi >> 48 == 0x2002) return IPv4Group((uint)(hi >> 16));                         // 6to4: 2002:V4ADDR::/48
        if (hi >> 32 == 0x2001_0000) return IPv4Group(~(uint)a.Low);                           // Teredo: client IPv4 inverted
        if (hi == 0x0064_FF9B_0000_0000UL && a.Low >> 32 == 0) return IPv4Group((uint)a.Low); // NAT64 64:ff9b::/96
        if (hi >> 32 == 0x2001_0470) return ClassIPv6HurricaneElectric << 56 | hi >> 28;      // HE tunnels: /36
        return ClassIPv6 << 56 | hi >> 32;
    }

    private ulong IPv4Group(uint v) => ClassIPv4 << 56 | (AllowLocal ? v : v >> 16);

    private static bool Prefix(uint value, uint prefix, int bits) => value >> (32 - bits) == prefix >> (32 - bits);
}

namespace Nodus.Core.Discovery;

/// <summary>
/// What a DNS seed hands out, for both runtimes: the TCP node's DNS seed (Nodus.Net's DnsSeeder) and the simulator's.
/// A good address is one the seed's node reached within <see cref="GoodWindow"/> and whose latest test succeeded
/// (so a crawling seed, <see cref="DiscoveryOptions.Crawl"/>, stops handing out a node soon after it goes away), on
/// the network's default port (DNS carries no port).
/// </summary>
public static class SeedSelection
{
    /// <summary>How recent a successful connection must be: Bitcoin Core's IsTerrible gives up on an address after a
    /// week of failures, the same horizon.</summary>
    public static readonly long GoodWindow = 7 * Time.Day;

    /// <summary>Bounds the set a seed keeps between refreshes (a getaddr reply's 2,500 is Core's largest share of a book).</summary>
    public const int MaxCandidates = AddressManager.GetAddrMax;

    /// <summary>A DNS answer over UDP is at most 512 bytes (RFC 1035 §4.2.1).</summary>
    public const int MaxUdpAnswerBytes = 512;

    /// <summary>The good addresses in <paramref name="addresses"/>, most recently reached first, with their services.</summary>
    public static List<(System.Net.IPAddress Address, ulong Services)> Good(AddressManager addresses, ushort defaultPort, long now) =>
        [.. addresses.All
            .Where(i => i.InTried && i.LastSuccess > 0 && now - i.LastSuccess <= GoodWindow && i.LastSuccess >= i.LastTry
                        && !i.IsTerrible(now) && i.Address.Port == defaultPort && addresses.Groups.IsRoutable(i.Address))
            .OrderByDescending(i => i.LastSuccess)
            .Take(MaxCandidates)
            .Select(i => (i.Address.EndPoint.Address, i.Services))];

    /// <summary>
    /// How many A records (IPv4) fit one UDP answer to a query for <paramref name="name"/>: the 12-byte header, the
    /// question (the name's labels, 2 bytes, type and class) and 16 bytes per record (a pointer to the question's
    /// name, type, class, TTL, length, 4 address bytes). The seeder's DnsMessage.WriteAnswer writes that many (a test
    /// holds the two together).
    /// </summary>
    public static int Ipv4AnswerCapacity(string name)
    {
        int question = name.TrimEnd('.').Length + 2 + 4;
        return Math.Max(0, (MaxUdpAnswerBytes - 12 - question) / 16);
    }
}

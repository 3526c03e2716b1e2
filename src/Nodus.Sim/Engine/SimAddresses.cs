using System.Net;

namespace Nodus.Sim.Engine;

/// <summary>
/// The one mapping between simulated node indices and their IPv4 addresses, both ways. Addresses are public
/// unicast (routable under <c>NetworkGroups.Internet</c>) and spread over many /16 network groups, so that the
/// core's address manager and connection manager — which bucket, diversify outbound connections and protect
/// inbound peers by /16 — see a network shaped like the Internet rather than one private /8.
/// Node i sits in group <c>i mod G</c> (G = ceil(nodes / <see cref="NodesPerGroup"/>), at least min(nodes, <see cref="MinGroups"/>)), as host <c>i / G + 1</c>:
/// consecutive indices (e.g. the bootnodes) land in different groups, and no table is needed either way.
/// </summary>
public sealed class SimAddresses
{
    /// <summary>
    /// Nodes per /16 on average. An assumption, not a measurement: hosting providers gather many nodes in a few
    /// /16s while home nodes spread thinly; four keeps groups plentiful (the one-outbound-per-group rule binds
    /// rarely) yet shared (group-based eviction protection and bucketing have work to do).
    /// </summary>
    public const int NodesPerGroup = 4;

    /// <summary>
    /// Small networks still get this many groups (one node each below it): the real network spans thousands of /16s,
    /// so the one-outbound-per-group rule should not bind just because a test simulates a hundred nodes.
    /// </summary>
    public const int MinGroups = 256;

    /// <summary>Hosts per /16 (x.y.0.1 .. x.y.255.254 less the ends).</summary>
    private const int HostsPerGroup = 65_534;

    /// <summary>
    /// First octets of public unicast IPv4 space: 1–223 without 0/8 (this network), 10/8 (RFC 1918), 100/8
    /// (holds RFC 6598's 100.64/10), 127/8 (loopback), 169/8 (RFC 3927), 172/8 (RFC 1918's 172.16/12), 192/8
    /// (RFC 1918, RFC 5737), 198/8 (RFC 2544, RFC 5737) and 203/8 (RFC 5737). 215 octets × 256 = 55,040 groups.
    /// </summary>
    private static readonly byte[] FirstOctets = Enumerable.Range(1, 223)
        .Where(o => o is not (10 or 100 or 127 or 169 or 172 or 192 or 198 or 203)).Select(o => (byte)o).ToArray();

    private static readonly int[] OctetIndex = BuildOctetIndex();

    public SimAddresses(int nodes, int port)
    {
        Nodes = nodes;
        Port = port;
        long groups = Math.Max(Math.Min(nodes, MinGroups), (nodes + (long)NodesPerGroup - 1) / NodesPerGroup);
        Groups = (int)Math.Clamp(groups, 1, FirstOctets.Length * 256);
        if ((long)Groups * HostsPerGroup < nodes) throw new ArgumentOutOfRangeException(nameof(nodes), "more nodes than addresses");
    }

    public int Nodes { get; }
    public int Port { get; }
    /// <summary>Distinct /16 groups the nodes occupy.</summary>
    public int Groups { get; }

    public IPAddress AddressOf(int index)
    {
        int group = index % Groups, host = index / Groups + 1;
        return new IPAddress([FirstOctets[group >> 8], (byte)group, (byte)(host >> 8), (byte)host]);
    }

    /// <summary>The node behind an address, or -1.</summary>
    public int IndexOf(IPEndPoint endPoint)
    {
        if (endPoint.Port != Port || endPoint.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork) return -1;
        Span<byte> b = stackalloc byte[4];
        if (!endPoint.Address.TryWriteBytes(b, out _)) return -1;
        int octet = OctetIndex[b[0]];
        if (octet < 0) return -1;
        int group = octet << 8 | b[1];
        int host = (b[2] << 8 | b[3]) - 1;
        if (group >= Groups || host < 0) return -1;
        long index = (long)host * Groups + group;
        return index < Nodes ? (int)index : -1;
    }

    private static int[] BuildOctetIndex()
    {
        var index = new int[256];
        Array.Fill(index, -1);
        for (int i = 0; i < FirstOctets.Length; i++) index[FirstOctets[i]] = i;
        return index;
    }
}

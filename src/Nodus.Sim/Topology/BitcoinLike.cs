namespace Nodus.Sim.Topology;

/// <summary>
/// A Bitcoin-like graph: each node opens a number of outbound connections drawn from the measured distribution
/// (Miller et al. 2015, in internet-regions.json) to distinct random nodes whose inbound slots are not full.
/// </summary>
public static class BitcoinLike
{
    /// <summary>Bitcoin Core's DEFAULT_MAX_PEER_CONNECTIONS: 125 connections, so at most ~117 inbound; we cap inbound at 125 as the issue asks.</summary>
    public const int MaxInbound = 125;

    /// <summary>Gives up on a node's remaining outbound slots after this many rejected picks (tiny or saturated networks).</summary>
    private const int MaxPicksPerLink = 1_000;

    public static Topology Generate(int nodes, double[] outboundCdf, Random random, int maxInbound = MaxInbound)
    {
        if (nodes < 2) throw new ArgumentException("need at least two nodes");
        var inbound = new int[nodes];
        var pairs = new HashSet<long>();
        var from = new List<int>();
        var to = new List<int>();
        for (int v = 0; v < nodes; v++)
        {
            int want = Math.Min(SampleOutbound(outboundCdf, random), nodes - 1);
            int made = 0, picks = 0;
            while (made < want && picks++ < want * MaxPicksPerLink)
            {
                int t = random.Next(nodes);
                if (t == v || inbound[t] >= maxInbound || !pairs.Add(Topology.PairKey(v, t))) continue;
                inbound[t]++;
                from.Add(v);
                to.Add(t);
                made++;
            }
        }
        return new Topology("bitcoin-like", nodes, [.. from], [.. to]);
    }

    /// <summary>Index i of the CDF means i + 1 outbound links.</summary>
    public static int SampleOutbound(double[] cdf, Random random)
    {
        double u = random.NextDouble();
        for (int i = 0; i < cdf.Length; i++)
            if (u < cdf[i]) return i + 1;
        return cdf.Length;
    }
}

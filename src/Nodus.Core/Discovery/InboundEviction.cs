using Nodus.Core.Peers;

namespace Nodus.Core.Discovery;

/// <summary>What eviction knows about one inbound peer (Bitcoin Core's NodeEvictionCandidate).</summary>
public sealed record EvictionCandidate(
    PeerId Id,
    long ConnectedAt,
    long MinPingTime,
    long LastBlockTime,
    long LastTransactionTime,
    bool RelaysTransactions,
    ulong KeyedNetGroup);

/// <summary>
/// Bitcoin Core's SelectNodeToEvict: when inbound slots are full, choose the inbound peer to drop. Peers an attacker
/// cannot cheaply imitate are protected first — distinct network groups (keyed, so the attacker cannot tell which),
/// low latency, recent novel transactions and blocks, long uptime — and the youngest peer of the most represented
/// group among the rest is evicted. An attacker must therefore win on every axis at once to push honest peers out.
/// </summary>
public static class InboundEviction
{
    /// <summary>Bitcoin Core: protect 4 peers by keyed network group.</summary>
    public const int ProtectByNetGroup = 4;
    /// <summary>Bitcoin Core: protect the 8 peers with the lowest minimum ping.</summary>
    public const int ProtectByPing = 8;
    /// <summary>Bitcoin Core: protect the 4 peers that most recently sent novel transactions.</summary>
    public const int ProtectByTransactions = 4;
    /// <summary>Bitcoin Core: protect up to 8 non-transaction-relaying peers that recently sent novel blocks.</summary>
    public const int ProtectBlockRelayOnlyByBlocks = 8;
    /// <summary>Bitcoin Core: protect the 4 peers that most recently sent novel blocks.</summary>
    public const int ProtectByBlocks = 4;

    /// <summary>The peer to evict, or null when every candidate is protected.</summary>
    public static PeerId? SelectPeerToEvict(IEnumerable<EvictionCandidate> peers)
    {
        var c = peers.ToList();
        // Each step sorts so the most deserving are last, then protects (removes) the last k.
        ProtectLast(c, c.OrderBy(p => p.KeyedNetGroup), ProtectByNetGroup);
        ProtectLast(c, c.OrderByDescending(p => p.MinPingTime), ProtectByPing);
        ProtectLast(c, c.OrderBy(p => p.LastTransactionTime).ThenBy(p => p.RelaysTransactions).ThenByDescending(p => p.ConnectedAt),
            ProtectByTransactions);
        ProtectLast(c, c.OrderBy(p => !p.RelaysTransactions).ThenBy(p => p.LastBlockTime).ThenByDescending(p => p.ConnectedAt),
            ProtectBlockRelayOnlyByBlocks, p => !p.RelaysTransactions);
        ProtectLast(c, c.OrderBy(p => p.LastBlockTime).ThenByDescending(p => p.ConnectedAt), ProtectByBlocks);
        // Half of the rest by uptime: the longest-connected peers are the hardest for an attacker to displace.
        ProtectLast(c, c.OrderByDescending(p => p.ConnectedAt), c.Count / 2);
        if (c.Count == 0) return null;

        // The most represented group (ties: the one whose youngest member is youngest); evict its youngest peer.
        var youngestFirst = c.OrderByDescending(p => p.ConnectedAt).ToList();
        var groups = new Dictionary<ulong, List<EvictionCandidate>>();
        int most = 0;
        long mostTime = 0;
        ulong mostGroup = 0;
        foreach (var p in youngestFirst)
        {
            if (!groups.TryGetValue(p.KeyedNetGroup, out var list)) groups[p.KeyedNetGroup] = list = [];
            list.Add(p);
            if (list.Count > most || (list.Count == most && p.ConnectedAt > mostTime))
            {
                most = list.Count;
                mostTime = p.ConnectedAt;
                mostGroup = p.KeyedNetGroup;
            }
        }
        return groups[mostGroup][0].Id;
    }

    private static void ProtectLast(List<EvictionCandidate> candidates, IEnumerable<EvictionCandidate> sorted, int k,
        Func<EvictionCandidate, bool>? eligible = null)
    {
        var order = sorted.ToList();
        int protectedCount = 0;
        for (int i = order.Count - 1; i >= 0 && protectedCount < k; i--)
        {
            if (eligible is not null && !eligible(order[i])) continue;
            candidates.Remove(order[i]);
            protectedCount++;
        }
    }
}

using Nodus.Core;
using Nodus.Core.Peers;
using Nodus.Sim.Metrics;
using Nodus.Sim.Scenarios;

namespace Nodus.Sim.Adversaries;

/// <summary>What the honest nodes did about the Byzantine ones during one case.</summary>
public sealed class ByzantineResult
{
    public required string Behaviour { get; init; }
    public required double Fraction { get; init; }
    public required double DelaySeconds { get; init; }
    public required bool Collude { get; init; }
    public required int Nodes { get; init; }
    /// <summary>Connections established between an honest and a Byzantine node (counted at the honest end).</summary>
    public required int HonestByzantineConnections { get; init; }
    /// <summary>Of those, closed by the honest end (misbehaviour, timeouts).</summary>
    public required int ClosedByHonest { get; init; }
    /// <summary>When the honest ends closed them, in seconds after the first transaction was submitted.</summary>
    public required Stats CloseSeconds { get; init; }
    /// <summary>Why, by <see cref="DisconnectCode"/>.</summary>
    public required IReadOnlyList<(string Code, int Count)> CloseReasons { get; init; }
    /// <summary>Connections between two honest nodes that an honest node closed (false positives, if nonzero).</summary>
    public required int HonestConnectionsClosed { get; init; }
    public required long Withheld { get; init; }
    public required long Held { get; init; }
    public required long Corrupted { get; init; }
    /// <summary>Addresses of nobody the Byzantine nodes sent (poison).</summary>
    public long Poisoned { get; init; }
    /// <summary>Announcements of transactions that do not exist (spam).</summary>
    public long Spammed { get; init; }
    /// <summary>Poison in a grown network: per live honest node, the share of its address book, and of its tried
    /// table, where nobody listens (null otherwise).</summary>
    public (Stats Book, Stats Tried)? UnreachableShare { get; init; }
}

/// <summary>Counts gathered while a case runs (the runtime's close callback), summarised at the end.</summary>
internal sealed class ByzantineTally
{
    private readonly List<long> _closeTimes = [];
    private readonly SortedDictionary<string, int> _reasons = new(StringComparer.Ordinal);

    public int HonestByzantineEdges;
    public int ClosedHonest;

    public void ClosedByzantine(DisconnectReason reason, long now)
    {
        _closeTimes.Add(now);
        string code = reason.Code.ToString();
        _reasons[code] = _reasons.GetValueOrDefault(code) + 1;
    }

    public ByzantineResult Summarize(ByzantineSpec spec, ByzantineNodes nodes, long firstTx, (Stats, Stats)? unreachableShare = null) => new()
    {
        Poisoned = nodes.Poisoned,
        Spammed = nodes.Spammed,
        UnreachableShare = unreachableShare,
        Behaviour = ByzantineNodes.NameOf(nodes.Behaviour),
        Fraction = spec.Fraction,
        DelaySeconds = spec.DelaySeconds,
        Collude = spec.Collude,
        Nodes = nodes.Count,
        HonestByzantineConnections = HonestByzantineEdges,
        ClosedByHonest = _closeTimes.Count,
        CloseSeconds = new Stats(_closeTimes.Select(t => Time.ToSeconds(t - firstTx))),
        CloseReasons = [.. _reasons.Select(kv => (kv.Key, kv.Value))],
        HonestConnectionsClosed = ClosedHonest,
        Withheld = nodes.Withheld,
        Held = nodes.Held,
        Corrupted = nodes.Corrupted,
    };
}

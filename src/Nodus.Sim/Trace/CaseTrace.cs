using Nodus.Core;
using Nodus.Core.Peers;
using Nodus.Core.Relay;
using Nodus.Sim.Engine;

namespace Nodus.Sim.Trace;

/// <summary>
/// Records one simulated case as a dashboard trace (<c>events.jsonl</c>): nodes, connections as their handshakes
/// complete, first arrivals of transactions (with the delivering peer and stem or fluff), removals, partitions,
/// and a stats snapshot every <see cref="StatsInterval"/> of virtual time. Node "K" is simulated node K-1 (10.0.0.K).
/// </summary>
public sealed class CaseTrace
{
    /// <summary>Virtual time between stats snapshots: often enough for the replay's colours, small enough for 1,000 nodes.</summary>
    public static readonly long StatsInterval = 2 * Time.Second;

    private readonly TraceWriter _writer;
    private readonly int _nodes;
    private readonly string _relay;
    private readonly Func<int, TransactionRelay?> _relayOf;
    private long _nextStats = Time.Never;

    public CaseTrace(TraceWriter writer, int nodes, string relay, Func<int, TransactionRelay?> relayOf)
    {
        _writer = writer;
        _nodes = nodes;
        _relay = relay;
        _relayOf = relayOf;
    }

    public static string NodeName(int index) => (index + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The header, every node, the partitions (cut at their start, healed at their end) and the stats timer.</summary>
    public void Start(SimRuntime runtime, string label, long start, long until)
    {
        _writer.Write(new TraceStarted(start, "sim", "sim", label));
        for (int v = 0; v < _nodes; v++)
            _writer.Write(new NodeAdded(start, NodeName(v), runtime.EndPointOf(v).ToString(), _relay, false));
        foreach (var p in runtime.Partitions)
        {
            var a = new List<string>();
            var b = new List<string>();
            for (int v = 0; v < Math.Min(p.Nodes, _nodes); v++)
            {
                if (p.SideOf(v) == 1) a.Add(NodeName(v));
                else if (p.SideOf(v) == 2) b.Add(NodeName(v));
            }
            _writer.Write(new NetworkCut(p.From, a, b));
            if (p.Until < until) _writer.Write(new NetworkHealed(p.Until));
        }
        _nextStats = start + StatsInterval;
    }

    /// <summary>Called after every simulated event; writes a snapshot when one is due. It schedules nothing, so a
    /// traced run processes exactly the events of an untraced one (report.json stays the same).</summary>
    public void AfterEvent(SimRuntime runtime)
    {
        while (runtime.Now >= _nextStats)
        {
            WriteStats(runtime, _nextStats);
            _nextStats += StatsInterval;
        }
    }

    public void OnEstablished(int node, Peer peer, int remote, long now)
    {
        if (node >= _nodes || remote >= _nodes || peer.IsInbound) return; // one event per connection, from the dialer
        _writer.Write(new LinkOpened(now, NodeName(node), NodeName(remote), peer.ConnectionType.ToRpcName()));
    }

    public void OnArrival(int node, TransactionArrival arrival, int from) =>
        _writer.Write(new TransactionArrived(arrival.Time, NodeName(node), arrival.Txid.ToString(),
            from < 0 ? null : NodeName(from), arrival.ViaStem));

    public void OnRemoved(int node, long now) => _writer.Write(new NodeRemoved(now, NodeName(node)));

    private void WriteStats(SimRuntime runtime, long now)
    {
        var stats = new List<NodeStats>(_nodes);
        for (int v = 0; v < _nodes; v++)
        {
            if (!runtime.IsAlive(v)) continue;
            var relay = _relayOf(v);
            var traffic = runtime.Traffic;
            stats.Add(new NodeStats(NodeName(v), runtime.ConnectionCount(v), -1, 0, "", relay?.Mempool.Count ?? 0,
                relay?.Policy.Kind.ToCliName() ?? _relay, traffic.BytesSentBy(v), traffic.BytesReceivedBy(v), "synced"));
        }
        _writer.Write(new StatsSnapshot(now, stats));
    }
}

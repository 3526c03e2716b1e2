using Nodus.Core;
using Nodus.Core.Discovery;
using Nodus.Core.Peers;
using Nodus.Core.Relay;
using Nodus.Sim.Engine;
using Nodus.Sim.Metrics;
using Nodus.Sim.Network;

namespace Nodus.Sim.Scenarios;

/// <summary>
/// A topology grown by the discovery protocol itself (<c>topology.kind: discovery</c>): every node runs the core's
/// <see cref="DiscoveryService"/> — address manager, connection manager (8 full-relay + 2 block-relay-only outbound,
/// feelers), getaddr/addr relay, bans — exactly as the TCP node does. The runtime plans no edge. The bootnodes are
/// the network's hard-coded seeds (<see cref="DiscoveryOptions.FixedSeeds"/>, the core's own seed mechanism): a node
/// with an empty book dials them, asks for addresses and finds the rest through addr gossip. Each node's address
/// book lives in a <see cref="MemoryAddressStore"/> per index, so a node that restarts can come back with it.
/// Also measures the grown overlay over time (<see cref="GrowthSample"/>).
/// </summary>
internal sealed class DiscoveryNetwork
{
    private readonly TopologySpec _spec;
    private readonly int _nodes;
    private readonly DiscoveryOptions _template;
    private readonly MemoryAddressStore?[] _stores;
    private readonly DiscoveryService?[] _services;
    private readonly long[] _fullAt;
    private readonly long[] _startedAt;
    private readonly BroadcastTracker _tracker;
    private readonly int _fullItem;
    private readonly List<GrowthSample> _samples = [];
    private long _lastDialsFailed;
    private Func<int, bool> _live = _ => false;
    private BroadcastTracker.Item? _latest;
    private readonly List<WindowCoverage> _windows = [];
    private readonly SimDnsSeeds? _seeds;

    /// <summary>
    /// A transaction is judged over the nodes up from its submission until this much later (without restarting):
    /// diffusion reaches every node of these graphs in about 10 s (relay-compare: 100% at 10.9 s), so 30 s is ample,
    /// and a node that joined later cannot have heard of it (nodes do not ask new peers for their mempool).
    /// </summary>
    public static readonly long BroadcastWindow = 30 * Time.Second;

    public DiscoveryNetwork(TopologySpec spec, int nodes, SimRuntime runtime, bool countermeasures = true)
    {
        _spec = spec;
        _nodes = nodes;
        Bootnodes = Math.Min(spec.Bootnodes, nodes);
        _template = new DiscoveryOptions
        {
            AddressManager = spec.AddressBook == "core" ? AddressManagerOptions.Default : AddressManagerOptions.Small,
            DefaultPort = SimRuntime.ListenPort,
            // The bootnodes are the network's hard-coded seeds (chainparamsseeds.h in Bitcoin Core).
            FixedSeeds = Enumerable.Range(0, Bootnodes).Select(runtime.EndPointOf).ToList(),
        };
        // The eclipse preset's experiment setting: the same protocol with its eclipse countermeasures switched off.
        if (!countermeasures) _template = _template.WithoutEclipseCountermeasures();
        _stores = new MemoryAddressStore?[nodes];
        _services = new DiscoveryService?[nodes];
        if (spec.DnsSeeds > 0)
        {
            var seeds = _seeds = new SimDnsSeeds(spec.DnsSeeds, runtime.Seed, v => _services[v]);
            _template = _template with { DnsSeeds = seeds.Names };
            runtime.DnsResolver = (v, hosts) => seeds.Resolve(runtime, v, hosts);
        }
        _fullAt = new long[nodes];
        Array.Fill(_fullAt, Time.Never);
        _startedAt = new long[nodes];
        Array.Fill(_startedAt, Time.Never);
        _tracker = new BroadcastTracker(nodes);
        _fullItem = _tracker.Track("outbound-full", -1, ScenarioRunner.Epoch);
    }

    /// <summary>Nodes 0 .. Bootnodes−1 are the bootnodes (their indices sit in distinct /16 groups).</summary>
    public int Bootnodes { get; }
    public IReadOnlyList<GrowthSample> Samples => _samples;
    public int MaxOutboundFullRelay => _template.MaxOutboundFullRelay;

    public DiscoveryService? Service(int v) => _services[v];

    /// <summary>Wires discovery into a freshly built engine (before it starts); the address store outlives the engine.</summary>
    public void Attach(int v, Node node, TransactionRelay? relay, SimRuntime runtime)
    {
        if (_startedAt[v] == Time.Never) _startedAt[v] = runtime.Now; // engines are built as they start
        var options = _template with
        {
            ListenAddress = runtime.EndPointOf(v),
            MaxConnections = v < Bootnodes ? _spec.BootnodeMaxConnections : _template.MaxConnections,
        };
        if (_seeds?.Serves(v) == true) options = options.AsCrawler() with { DnsSeeds = [] }; // a seed crawls, and asks no seed
        _services[v] = DiscoveryService.Attach(node, options, _stores[v] ??= new MemoryAddressStore());
        // Novel transactions protect their peer from inbound eviction (Core's m_last_tx_time), as FullNode wires it.
        if (relay is not null)
            relay.TransactionReceived += a => { if (a.From is { } id && node.GetPeer(id) is { } p) p.LastTransactionTime = a.Time; };
    }

    /// <summary>Forgets a node's persisted book and anchors: it next starts as a brand-new node that knows only the seeds.</summary>
    public void ForgetStore(int v) => _stores[v] = null;

    /// <summary>The bootnodes start at once; every other node at a uniform time in [0, spread).</summary>
    public void ScheduleStarts(SimRuntime runtime, Random random, long spread, int initialNodes)
    {
        for (int v = 0; v < initialNodes; v++)
            runtime.ScheduleStart(v, ScenarioRunner.Epoch + (v < Bootnodes ? 0 : random.NextInt64(spread)));
    }

    /// <summary>Called on every completed handshake: records the first time a node holds all its full-relay outbound slots.</summary>
    public void OnEstablished(int v, Peer peer, SimRuntime runtime, long now)
    {
        if (v >= _nodes || peer.ConnectionType != ConnectionType.OutboundFullRelay || _fullAt[v] != Time.Never) return;
        if (FullRelayOutbound(runtime.GetNode(v)!) < MaxOutboundFullRelay) return;
        _fullAt[v] = now;
        _tracker.Record(_fullItem, v, -1, now);
    }

    public static int FullRelayOutbound(Node node)
    {
        int n = 0;
        foreach (var p in node.Peers)
            if (p.ConnectionType == ConnectionType.OutboundFullRelay && p.IsEstablished) n++;
        return n;
    }

    /// <summary>Measures the live overlay every <see cref="TopologySpec.SampleSeconds"/> from <paramref name="from"/> to <paramref name="until"/>.</summary>
    public void ScheduleSampling(SimRuntime runtime, long from, long until, Func<int, bool> live)
    {
        _live = live;
        long step = Math.Max(Time.Second, (long)(_spec.SampleSeconds * Time.Second));
        for (long t = from; t <= until; t += step) runtime.Schedule(t, new Sample(this));
    }

    private sealed class Sample(DiscoveryNetwork owner) : ISimAction
    {
        public void Run(SimRuntime runtime, long now) => owner._samples.Add(owner.Measure(runtime, now, owner._live));
    }

    /// <summary>A transaction was submitted: follow it over the nodes that stay up for <see cref="BroadcastWindow"/>.</summary>
    public void OnSubmitted(SimRuntime runtime, BroadcastTracker.Item item, long now)
    {
        _latest = item;
        var incarnation = new int[_nodes];
        for (int v = 0; v < _nodes; v++) incarnation[v] = _live(v) ? runtime.Incarnation(v) : -1;
        runtime.Schedule(now + BroadcastWindow, new JudgeWindow(this, item, incarnation));
    }

    private sealed class JudgeWindow(DiscoveryNetwork owner, BroadcastTracker.Item item, int[] incarnation) : ISimAction
    {
        public void Run(SimRuntime runtime, long now)
        {
            // A source that left within the window may have taken the transaction with it: counted apart.
            int src = item.Source;
            bool sourceLeft = src >= 0 && (!owner._live(src) || runtime.Incarnation(src) != incarnation[src]);
            var delays = new List<double>();
            int eligible = 0;
            for (int v = 0; v < owner._nodes; v++)
            {
                if (incarnation[v] < 0 || v == item.Source || !owner._live(v) || runtime.Incarnation(v) != incarnation[v]) continue;
                eligible++;
                if (item.Arrival[v] <= now) delays.Add((item.Arrival[v] - item.Origin) / (double)Time.Millisecond);
            }
            delays.Sort();
            int needed = (int)Math.Ceiling(0.9 * eligible);
            double? t90 = needed == 0 ? 0 : needed <= delays.Count ? delays[needed - 1] : null;
            owner._windows.Add(new WindowCoverage(item.Key, Time.ToSeconds(item.Origin - ScenarioRunner.Epoch), eligible, delays.Count, t90, sourceLeft));
        }
    }

    private GrowthSample Measure(SimRuntime runtime, long now, Func<int, bool> live)
    {
        int liveCount = 0, full = 0, reached = 0;
        long outbound = 0, inbound = 0;
        for (int v = 0; v < _nodes; v++)
        {
            if (!live(v)) continue;
            liveCount++;
            var node = runtime.GetNode(v)!;
            int o = FullRelayOutbound(node);
            if (o >= MaxOutboundFullRelay) full++;
            outbound += o;
            if (_latest is not null && _latest.Arrival[v] != Time.Never) reached++;
            foreach (var p in node.Peers) if (p.IsInbound && p.IsEstablished) inbound++;
        }
        var (components, largest) = Components(runtime, live);
        long failed = runtime.DialsFailed - _lastDialsFailed;
        _lastDialsFailed = runtime.DialsFailed;
        return new GrowthSample(Time.ToSeconds(now - ScenarioRunner.Epoch), liveCount, full, outbound, inbound, failed,
            components, largest, _latest is null ? null : reached, _latest is null ? null : liveCount);
    }

    /// <summary>Connected components of the live overlay (every open connection, either direction) and the largest one's size.</summary>
    public (int Count, int Largest) Components(SimRuntime runtime, Func<int, bool> live)
    {
        var parent = new int[_nodes];
        for (int v = 0; v < _nodes; v++) parent[v] = v;
        int Find(int x)
        {
            while (parent[x] != x) x = parent[x] = parent[parent[x]];
            return x;
        }
        for (int v = 0; v < _nodes; v++)
        {
            if (!live(v)) continue;
            foreach (int u in runtime.Neighbours(v))
                if (u < _nodes && live(u)) parent[Find(u)] = Find(v);
        }
        var sizes = new Dictionary<int, int>();
        for (int v = 0; v < _nodes; v++)
            if (live(v)) sizes[Find(v)] = sizes.GetValueOrDefault(Find(v)) + 1;
        return (sizes.Count, sizes.Count == 0 ? 0 : sizes.Values.Max());
    }

    public DiscoveryResult Summarize(SimRuntime runtime, Func<int, bool> live, INetworkModel network)
    {
        var outbound = new List<double>();
        var blockRelay = new List<double>();
        var inbound = new List<double>();
        var bootInbound = new List<double>();
        var book = new List<double>();
        var tried = new List<double>();
        var sinceStart = new List<double>();
        for (int v = 0; v < _nodes; v++)
        {
            if (!live(v)) continue;
            var node = runtime.GetNode(v)!;
            int o = 0, b = 0, i = 0;
            foreach (var p in node.Peers)
            {
                if (!p.IsEstablished) continue;
                if (p.IsInbound) i++;
                else if (p.ConnectionType == ConnectionType.OutboundFullRelay) o++;
                else if (p.ConnectionType == ConnectionType.BlockRelayOnly) b++;
            }
            outbound.Add(o);
            blockRelay.Add(b);
            inbound.Add(i);
            if (v < Bootnodes) bootInbound.Add(i);
            if (_services[v] is { } s)
            {
                book.Add(s.Addresses.Count);
                tried.Add(s.Addresses.TriedCount);
            }
            if (_fullAt[v] != Time.Never && _startedAt[v] != Time.Never)
                sinceStart.Add((_fullAt[v] - _startedAt[v]) / (double)Time.Millisecond);
        }
        var (components, largest) = Components(runtime, live);
        return new DiscoveryResult
        {
            Bootnodes = Bootnodes,
            AddressBook = _spec.AddressBook,
            Groups = runtime.Addresses.Groups,
            OutboundFull = PropagationSummary.Of(_tracker.Items[_fullItem], live, network.RegionOf, network.RegionNames),
            OutboundFullSinceStartMs = new Stats(sinceStart),
            FullRelayOutbound = new Stats(outbound),
            BlockRelayOutbound = new Stats(blockRelay),
            Inbound = new Stats(inbound),
            BootnodeInbound = new Stats(bootInbound),
            AddressBookSize = new Stats(book),
            TriedSize = new Stats(tried),
            Components = components,
            LargestComponent = largest,
            Samples = _samples,
            BroadcastWindows = _windows,
            DnsSeeds = _seeds?.Result(live, runtime),
        };
    }
}

/// <summary>The overlay at one moment: live nodes, how many hold 8/8 full-relay outbound, dials failed since the last sample, components.</summary>
public sealed record GrowthSample(double Seconds, int Live, int OutboundFull, long OutboundConnections, long InboundConnections,
    long DialsFailed, int Components, int LargestComponent, int? BroadcastReached, int? BroadcastLive);

/// <summary>What the discovery protocol grew, at the end of the case.</summary>
public sealed class DiscoveryResult
{
    public required int Bootnodes { get; init; }
    public required string AddressBook { get; init; }
    /// <summary>Distinct /16 groups the simulated addresses occupy.</summary>
    public required int Groups { get; init; }
    /// <summary>The "item" is a node holding all 8 full-relay outbound connections for the first time (from the run's start).</summary>
    public required PropagationSummary OutboundFull { get; init; }
    /// <summary>Per node: from its start to holding 8/8.</summary>
    public required Stats OutboundFullSinceStartMs { get; init; }
    public required Stats FullRelayOutbound { get; init; }
    public required Stats BlockRelayOutbound { get; init; }
    public required Stats Inbound { get; init; }
    public required Stats BootnodeInbound { get; init; }
    /// <summary>Addresses in each live node's book (new + tried), and in its tried table.</summary>
    public required Stats AddressBookSize { get; init; }
    public required Stats TriedSize { get; init; }
    public required int Components { get; init; }
    public required int LargestComponent { get; init; }
    public required IReadOnlyList<GrowthSample> Samples { get; init; }
    /// <summary>Per transaction: coverage of the nodes up throughout <see cref="DiscoveryNetwork.BroadcastWindow"/> after it was submitted.</summary>
    public required IReadOnlyList<WindowCoverage> BroadcastWindows { get; init; }
    public ChurnResult? Churn { get; set; }
    /// <summary>Null without <see cref="TopologySpec.DnsSeeds"/>.</summary>
    public DnsSeedResult? DnsSeeds { get; init; }
}

/// <summary>One transaction over the nodes that were up from its submission to the end of the window: how many, how many got it, and when 90% had.</summary>
public sealed record WindowCoverage(string Key, double SubmittedAtSeconds, int Eligible, int Reached, double? Time90Ms, bool SourceLeft)
{
    public double Coverage => Eligible == 0 ? 1 : Reached / (double)Eligible;
}

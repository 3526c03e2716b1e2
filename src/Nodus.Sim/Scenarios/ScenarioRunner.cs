using Nodus.Core;
using Nodus.Core.Peers;
using Nodus.Sim.Engine;
using Nodus.Sim.Metrics;
using Nodus.Sim.Network;
using Nodus.Sim.Topology;

namespace Nodus.Sim.Scenarios;

/// <summary>Builds the network a <see cref="Scenario"/> describes, runs each case on it and collects the metrics.</summary>
public sealed class ScenarioRunner
{
    /// <summary>Virtual time starts at 2025-01-01T00:00:00Z, so version timestamps look like real ones.</summary>
    public static readonly long Epoch = Time.FromUnixSeconds(1_735_689_600);

    private readonly Scenario _scenario;
    private readonly Action<string>? _progress;

    public ScenarioRunner(Scenario scenario, Action<string>? progress = null)
    {
        scenario.Validate();
        _scenario = scenario;
        _progress = progress;
    }

    public SimReport Run()
    {
        var topology = BuildTopology();
        var report = new SimReport { Scenario = _scenario, Topology = topology };
        foreach (var spec in _scenario.EffectiveCases)
            report.Cases.Add(RunCase(spec, topology));
        return report;
    }

    public Topology.Topology BuildTopology()
    {
        var t = _scenario.Topology;
        var random = new Random(SimRuntime.SeedFor(_scenario.Seed, -3));
        return t.Kind switch
        {
            "random-regular" => RandomRegular.Generate(_scenario.Nodes, t.Degree, random),
            "bitcoin" => BitcoinLike.Generate(_scenario.Nodes, RegionData.Load(_scenario.Network.Year).OutboundDegreeCdf, random, t.MaxInbound),
            _ => EdgeListFile.Load(t.File),
        };
    }

    public static INetworkModel BuildNetwork(NetworkSpec spec, int nodes, long seed)
    {
        var bandwidth = new UniformBandwidth((long)(spec.UploadMbps * 1e6), (long)(spec.DownloadMbps * 1e6));
        long bound = (long)(spec.BoundMs * Time.Millisecond);
        long min = spec.MinLatencyMs is { } m ? (long)(m * Time.Millisecond) : -1;
        return spec.Model switch
        {
            "regions" => new RegionModel(RegionData.Load(spec.Year), nodes, new Random(SimRuntime.SeedFor(seed, -2))),
            "synchronous" => new SynchronousModel(bound, min < 0 ? bound : min, bandwidth),
            "partially-synchronous" => new PartiallySynchronousModel(min < 0 ? bound / 10 : min, bound,
                Epoch + (long)(spec.GstSeconds * Time.Second), spec.ParetoShape, bandwidth),
            _ => new AsynchronousModel(min < 0 ? bound / 10 : min, spec.ParetoShape, bandwidth),
        };
    }

    private CaseResult RunCase(CaseSpec spec, Topology.Topology topology)
    {
        int n = topology.Nodes;
        var network = BuildNetwork(_scenario.Network, n, _scenario.Seed);
        var options = new NodeOptions();
        var runtime = new SimRuntime(n, _scenario.Seed, network, (_, random) => new Node(options, random), Epoch);
        foreach (var p in _scenario.Partitions) runtime.AddPartition(ToPartition(p, network, n));

        // Outbound edges per node in compressed form: the runtime dials them when the node starts.
        var outDegree = topology.OutDegrees();
        var offsets = new int[n + 1];
        for (int v = 0; v < n; v++) offsets[v + 1] = offsets[v] + outDegree[v];
        var fill = (int[])offsets.Clone();
        var targets = new int[topology.EdgeCount];
        for (int i = 0; i < topology.EdgeCount; i++) targets[fill[topology.From[i]]++] = topology.To[i];
        runtime.PlannedOutbound = v => targets.AsMemory(offsets[v], offsets[v + 1] - offsets[v]);

        var degree = topology.Degrees();
        var tracker = new BroadcastTracker(n);
        int handshakesItem = tracker.Track("handshakes", -1, Epoch);
        var established = new int[n];
        var handshakeMs = new List<double>();
        runtime.PeerEstablished = (node, peer, _, now) =>
        {
            if (!peer.IsInbound) handshakeMs.Add((now - peer.ConnectedAt) / (double)Time.Millisecond);
            if (++established[node] == degree[node]) tracker.Record(handshakesItem, node, -1, now);
        };

        var start = new Random(SimRuntime.SeedFor(_scenario.Seed, -4));
        long spread = Math.Max(1, (long)(_scenario.StartSpreadSeconds * Time.Second));
        // Every node listens before anyone dials: starts in [0, spread), planned dials in [spread, 2 spread).
        for (int v = 0; v < n; v++) runtime.ScheduleStart(v, Epoch + start.NextInt64(spread));
        for (int v = 0; v < n; v++) runtime.ScheduleConnect(v, Epoch + spread + start.NextInt64(spread));

        long until = Epoch + (long)(_scenario.DurationSeconds * Time.Second);
        var wall = System.Diagnostics.Stopwatch.StartNew();
        runtime.Run(until, progress: r => _progress?.Invoke(
            $"{_scenario.Name}/{spec.Label}: t={Time.ToSeconds(r.Now - Epoch):F1}s events={r.EventsProcessed:N0} " +
            $"queue={r.PendingEvents:N0} connections={r.OpenConnections:N0} wall={wall.Elapsed.TotalSeconds:F1}s"));
        _progress?.Invoke($"{_scenario.Name}/{spec.Label}: done, {runtime.EventsProcessed:N0} events in {wall.Elapsed.TotalSeconds:F1}s wall");

        var classes = network.RegionNames;
        return new CaseResult
        {
            Label = spec.Label,
            EventsProcessed = runtime.EventsProcessed,
            VirtualSeconds = Time.ToSeconds(runtime.Now - Epoch),
            MessagesDropped = runtime.MessagesDropped,
            OpenConnections = runtime.OpenConnections,
            Traffic = runtime.Traffic,
            Network = network,
            Handshakes = PropagationSummary.Of(tracker.Items[handshakesItem], v => runtime.IsAlive(v) && degree[v] > 0,
                network.RegionOf, classes),
            HandshakeDurationMs = new Stats(handshakeMs),
            WallSeconds = wall.Elapsed.TotalSeconds,
        };
    }

    private static Partition ToPartition(PartitionSpec p, INetworkModel network, int n)
    {
        long from = Epoch + (long)(p.FromSeconds * Time.Second);
        long until = p.UntilSeconds >= double.MaxValue / 2 ? Time.Never : Epoch + (long)(p.UntilSeconds * Time.Second);
        var mode = p.Mode switch
        {
            "drop" => PartitionMode.Drop,
            "hold" => PartitionMode.Hold,
            _ => throw new InvalidDataException($"partition mode '{p.Mode}': use drop or hold"),
        };
        if (p.SplitFraction is { } f) return Partition.Split(n, f, from, until, mode);
        int Region(string name)
        {
            for (int i = 0; i < network.RegionNames.Count; i++)
                if (string.Equals(network.RegionNames[i], name, StringComparison.OrdinalIgnoreCase)) return i;
            throw new InvalidDataException($"partition: unknown region '{name}' (have {string.Join(", ", network.RegionNames)})");
        }
        return Partition.ByRegion(network, n, p.RegionsA.Select(Region).ToArray(), p.RegionsB.Select(Region).ToArray(), from, until, mode);
    }
}

/// <summary>Everything one run produced, for the report writers.</summary>
public sealed class SimReport
{
    public required Scenario Scenario { get; init; }
    public required Topology.Topology Topology { get; init; }
    public List<CaseResult> Cases { get; } = [];
}

public sealed class CaseResult
{
    public required string Label { get; init; }
    public required long EventsProcessed { get; init; }
    public required double VirtualSeconds { get; init; }
    public required long MessagesDropped { get; init; }
    public required int OpenConnections { get; init; }
    public required TrafficStats Traffic { get; init; }
    public required INetworkModel Network { get; init; }
    /// <summary>The "item" is a node having completed the handshake on every planned connection.</summary>
    public required PropagationSummary Handshakes { get; init; }
    /// <summary>Outbound side: from OnConnected to verack received.</summary>
    public required Stats HandshakeDurationMs { get; init; }
    /// <summary>Wall-clock time: shown on stderr and in the HTML, never in report.json (which must be reproducible).</summary>
    public required double WallSeconds { get; init; }
}

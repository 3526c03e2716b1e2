using Nodus.Core;
using Nodus.Core.Peers;
using Nodus.Sim.Engine;
using Nodus.Sim.Metrics;
using Nodus.Sim.Network;
using Nodus.Sim.Topology;
using Nodus.Sim.Trace;

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

    /// <summary>Where to write the first case's dashboard trace (events.jsonl); null writes none.</summary>
    public TraceWriter? EventTrace { get; init; }

    /// <summary>Cases run at the same time (the machine's cores are shared: default one).</summary>
    public int Jobs { get; init; } = 1;

    /// <summary>Time every event and print where each case's time went (<see cref="Engine.EventCostProfile"/>) through the progress callback.</summary>
    public bool ProfileEvents { get; init; }

    public SimReport Run()
    {
        var topology = BuildTopology();
        var report = new SimReport { Scenario = _scenario, Topology = topology };
        var cases = _scenario.EffectiveCases;
        var results = new CaseResult[cases.Count];
        // Cases are independent (each has its own runtime and seeded randomness), so running them side by side
        // changes nothing in the report, only the wall time.
        Parallel.For(0, cases.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Jobs) },
            i => results[i] = RunCase(cases[i], topology, i == 0 ? EventTrace : null));
        report.Cases.AddRange(results);
        return report;
    }

    public Topology.Topology BuildTopology()
    {
        var t = _scenario.Topology;
        var random = RandomStreams.For(_scenario.Seed, RandomStreams.Topology);
        return t.Kind switch
        {
            "random-regular" => RandomRegular.Generate(_scenario.Nodes, t.Degree, random),
            // Grown at run time by the nodes' own discovery protocol: no planned edge.
            "discovery" => new Topology.Topology("discovery", _scenario.Nodes, [], []),
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
            "regions" => new RegionModel(RegionData.Load(spec.Year), nodes, RandomStreams.For(seed, RandomStreams.Placement)),
            "synchronous" => new SynchronousModel(bound, min < 0 ? bound : min, bandwidth),
            "partially-synchronous" => new PartiallySynchronousModel(min < 0 ? bound / 10 : min, bound,
                Epoch + (long)(spec.GstSeconds * Time.Second), spec.ParetoShape, bandwidth),
            _ => new AsynchronousModel(min < 0 ? bound / 10 : min, spec.ParetoShape, bandwidth),
        };
    }

    private CaseResult RunCase(CaseSpec spec, Topology.Topology topology, TraceWriter? trace) =>
        new CaseRun(_scenario, spec, topology, _progress, trace) { ProfileEvents = ProfileEvents }.Run();

    internal static Partition ToPartition(PartitionSpec p, INetworkModel network, int n, string? modeOverride = null)
    {
        long from = Epoch + (long)(p.FromSeconds * Time.Second);
        long until = p.UntilSeconds >= double.MaxValue / 2 ? Time.Never : Epoch + (long)(p.UntilSeconds * Time.Second);
        var mode = (modeOverride ?? p.Mode) switch
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
    public required CaseSpec Spec { get; init; }
    /// <summary>The relay policy (null for handshake-only runs).</summary>
    public required string? Relay { get; init; }
    public required int HonestNodes { get; init; }
    /// <summary>Whether blocks travelled as BIP 152 compact blocks (null when the case mines no blocks).</summary>
    public bool? CompactBlocks { get; init; }
    public required int Removed { get; init; }
    public BroadcastResult? Broadcast { get; set; }
    public Workloads.BlockResult? Blocks { get; set; }
    /// <summary>Set when the case has Byzantine nodes.</summary>
    public Adversaries.ByzantineResult? Byzantine { get; set; }
    /// <summary>Set when the case runs an eclipse attack.</summary>
    public Adversaries.EclipseResult? Eclipse { get; set; }
    public required long EventsProcessed { get; init; }
    public required double VirtualSeconds { get; init; }
    public required long MessagesDropped { get; init; }
    public required int OpenConnections { get; init; }
    public required TrafficStats Traffic { get; init; }
    public required INetworkModel Network { get; init; }
    /// <summary>The "item" is a node having completed the handshake on every planned connection.</summary>
    public required PropagationSummary Handshakes { get; init; }
    /// <summary>The overlay the discovery protocol grew (topology kind "discovery").</summary>
    public DiscoveryResult? Discovery { get; set; }
    /// <summary>Outbound side: from OnConnected to verack received.</summary>
    public required Stats HandshakeDurationMs { get; init; }
    /// <summary>Wall-clock time: shown on stderr and in the HTML, never in report.json (which must be reproducible).</summary>
    public required double WallSeconds { get; init; }
}

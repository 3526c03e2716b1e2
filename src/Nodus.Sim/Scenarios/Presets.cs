namespace Nodus.Sim.Scenarios;

/// <summary>The named scenarios of <c>nodus sim --preset</c>.</summary>
public static class Presets
{
    public sealed record Preset(string Name, string Summary, Func<Scenario> Create);

    public static readonly IReadOnlyList<Preset> All =
    [
        new("handshake", "1,000 nodes, random 8-regular graph, 2019 regions: every connection's version/verack handshake and pings",
            () => new Scenario
            {
                Name = "handshake",
                Description = "Connect a random 8-regular graph over the 2019 region model and run the real handshake and keep-alive.",
                Nodes = 1000,
                DurationSeconds = 30,
                Topology = new TopologySpec { Kind = "random-regular", Degree = 8 },
            }),
        new("bitcoin-handshake", "10,000 nodes, Bitcoin-like topology (measured outbound degrees, inbound ≤ 125), 2019 regions: handshakes at scale",
            () => new Scenario
            {
                Name = "bitcoin-handshake",
                Description = "Bitcoin-like topology over the 2019 region model; measures handshake completion and traffic at scale.",
                Nodes = 10_000,
                DurationSeconds = 30,
                Topology = new TopologySpec { Kind = "bitcoin" },
            }),
        new("bitcoin-2015-graph", "the real 2015 Bitcoin graph (4,654 nodes), 2015 regions: handshakes",
            () => new Scenario
            {
                Name = "bitcoin-2015-graph",
                Description = "The 2015 Bitcoin connection graph (Fanti and Viswanath) over the 2015 region model.",
                DurationSeconds = 30,
                Network = new NetworkSpec { Year = "2015" },
                Topology = new TopologySpec { Kind = "edges", File = "bitcoin-2015" },
            }),
        new("partition", "1,000 nodes, 8-regular: cut North America from Europe for 20 s, then heal (held messages delivered on healing)",
            () => new Scenario
            {
                Name = "partition",
                Description = "A two-region partition of the underlay from t=0.5 s to t=20 s; dials across the cut fail, messages wait.",
                Nodes = 1000,
                DurationSeconds = 40,
                Topology = new TopologySpec { Kind = "random-regular", Degree = 8 },
                Partitions = [new PartitionSpec { RegionsA = ["NORTH_AMERICA"], RegionsB = ["EUROPE"], FromSeconds = 0.5, UntilSeconds = 20, Mode = "hold" }],
            }),
    ];

    public static Preset? Find(string name) => All.FirstOrDefault(p => p.Name == name);
}

namespace Nodus.Sim.Scenarios;

/// <summary>The named scenarios of <c>nodus sim --preset</c>.</summary>
public static class Presets
{
    public sealed record Preset(string Name, string Summary, Func<Scenario> Create);

    /// <summary>
    /// Connection limit of the presets' bootnodes (-maxconnections): with Core's 125, a bootnode whose inbound slots are
    /// full evicts its youngest inbound peer for every newcomer, so when hundreds of nodes arrive within a minute with
    /// only the bootnodes in their books, each is evicted before its getaddr is answered (docs/simulator.md, results).
    /// </summary>
    public const int BootnodeConnections = 1000;

    /// <summary>The spy fractions of the anonymity study (the issue: 0.05 to 0.30).</summary>
    public static readonly double[] SpyFractions = [0.05, 0.10, 0.15, 0.20, 0.25, 0.30];

    /// <summary>Attacker addresses of the eclipse preset (each a simulated attacker node).</summary>
    public static readonly int[] EclipseAttackerNodes = [50, 200, 800, 3200];

    /// <summary>The Byzantine fractions of the byzantine preset (the issue: 0 to 0.5).</summary>
    public static readonly double[] ByzantineFractions = [0.1, 0.2, 0.3, 0.5];

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
        new("scale", "100,000 nodes, Bitcoin-like topology, 2019 regions: one transaction broadcast by diffusion (wall time and memory)",
            () => new Scenario
            {
                Name = "scale",
                Description = "One transaction from a random node, relayed by diffusion over a Bitcoin-like graph; the run measures the simulator itself.",
                Nodes = 100_000,
                DurationSeconds = 60,
                Topology = new TopologySpec { Kind = "bitcoin" },
                Workload = new WorkloadSpec { Kind = "broadcast", Relay = "diffusion", Transactions = 1 },
            }),
        new("bitcoin", "10,000 nodes, Bitcoin-like topology, 2019 regions, diffusion: 10 blocks of ≤535 KB every 10 minutes (--blocks N), ~7 tx/s",
            () => new Scenario
            {
                Name = "bitcoin",
                Description = "Bitcoin as of 2019: a Bitcoin-like graph over the 2019 region model; blocks found as a Poisson process (mean 600 s) by miners drawn by hash power (uniform over the nodes), filled with the transactions that arrived at 7 per second up to 535 KB (the 2019 average block) and already relayed to every node, relayed as BIP 152 compact blocks as Bitcoin Core does (--no-compact-blocks: headers announcement, getdata, whole block).",
                Nodes = 10_000,
                DurationSeconds = 10,
                Topology = new TopologySpec { Kind = "bitcoin" },
                Workload = new WorkloadSpec
                {
                    Kind = "handshake", Relay = "diffusion", Blocks = 10, BlockIntervalSeconds = 600, FirstBlockAtSeconds = 10,
                    BlockMaxBytes = 535_000, BlockFill = "direct", TxPerSecond = 7,
                },
            }),
        new("block-partition", "1,000 nodes, 8-regular: blocks every 30 s on both sides of a 5-minute Americas | rest cut; stale blocks and the time to one tip after healing",
            () => new Scenario
            {
                Name = "block-partition",
                Description = "Miners on both sides of a partition (t=60 s to t=360 s) extend their own branch; after healing the heavier branch wins. 'hold' delivers the cut traffic on healing, 'drop' loses it (the branches meet at the next block).",
                Nodes = 1000,
                DurationSeconds = 10,
                Topology = new TopologySpec { Kind = "random-regular", Degree = 8 },
                Workload = new WorkloadSpec
                {
                    Kind = "handshake", Blocks = 20, BlockIntervalSeconds = 30, FirstBlockAtSeconds = 10,
                    BlockMaxBytes = 100_000, BlockFill = "direct", TxPerSecond = 7,
                },
                Partitions = [new PartitionSpec { RegionsA = ["NORTH_AMERICA", "SOUTH_AMERICA"], RegionsB = ["EUROPE", "ASIA_PACIFIC", "JAPAN", "AUSTRALIA"], FromSeconds = 60, UntilSeconds = 360, Mode = "hold" }],
                Cases = [new() { Label = "hold", PartitionMode = "hold" }, new() { Label = "drop", PartitionMode = "drop" }],
            }),
        new("discovery", "2,000 nodes started over 2 minutes find each other from 5 bootnodes (-maxconnections 1000) with the real discovery protocol (getaddr/addr, 8+2 outbound); then 10 broadcasts",
            () => new Scenario
            {
                Name = "discovery",
                Description = "Every node runs the core's discovery: an empty address book, the 5 bootnodes as hard-coded seeds, getaddr/addr gossip, Bitcoin Core's 8 full-relay + 2 block-relay-only outbound slots and feelers. Nodes start at uniform times over 120 s. Measures when nodes hold 8/8 outbound, the grown in/out-degrees and the bootnodes' load; then 10 transactions by diffusion over the grown graph.",
                Nodes = 2000,
                DurationSeconds = 60,
                StartSpreadSeconds = 120,
                Topology = new TopologySpec { Kind = "discovery", Bootnodes = 5, BootnodeMaxConnections = BootnodeConnections },
                Workload = new WorkloadSpec { Kind = "broadcast", Relay = "diffusion", Transactions = 10, FirstAtSeconds = 300 },
            }),
        new("churn", "1,000 nodes grown from 5 bootnodes, then 30 min of joins and departures (sessions ~Exp(10 min), offline ~Exp(5 min), half crashes, 30% fresh joins) under a broadcast every 20 s",
            () => new Scenario
            {
                Name = "churn",
                Description = "Nodes grow the overlay with the core's discovery protocol from 5 bootnodes, then leave (half crash, half shut down cleanly) and come back (70% with their address book, 30% as fresh nodes knowing only the bootnodes): exponential sessions of mean 10 min and offline periods of mean 5 min (time compressed: measured Bitcoin sessions are hours), so about two thirds of the nodes are up at any time. A transaction every 20 s on average. Measures over time the live nodes, the share holding 8/8 outbound, failed dials, components of the live overlay, and each transaction's coverage of the nodes up throughout its 30 s window.",
                Nodes = 1000,
                DurationSeconds = 1800,
                StartSpreadSeconds = 60,
                Topology = new TopologySpec { Kind = "discovery", Bootnodes = 5, BootnodeMaxConnections = BootnodeConnections, SampleSeconds = 20 },
                Workload = new WorkloadSpec { Kind = "broadcast", Relay = "diffusion", Transactions = 90, FirstAtSeconds = 120, IntervalSeconds = 20 },
                Churn = new ChurnSpec { FromSeconds = 120, MeanSessionSeconds = 600, MeanOfflineSeconds = 300, CrashFraction = 0.5, FreshFraction = 0.3 },
            }),
        new("relay-compare", "2,000 nodes, Bitcoin-like topology, 2019 regions: 20 transactions under flood, diffusion and Dandelion++ (latency, fairness, traffic)",
            () => new Scenario
            {
                Name = "relay-compare",
                Description = "The same network and the same transaction sources under the three relay policies: time to 50/90/100%, spread of arrival times per region, bytes and duplicates.",
                Nodes = 2000,
                DurationSeconds = 60,
                Topology = new TopologySpec { Kind = "bitcoin" },
                Workload = new WorkloadSpec { Kind = "broadcast", Transactions = 20, IntervalSeconds = 1 },
                Cases = [new() { Label = "flood", Relay = "flood" }, new() { Label = "diffusion", Relay = "diffusion" }, new() { Label = "dandelion", Relay = "dandelion" }],
            }),
        new("anonymity", "500 nodes, random 4-regular graph: spies 5–30% (first-spy) and an eavesdropper (first-timestamp), flood vs diffusion vs Dandelion++",
            () => new Scenario
            {
                Name = "anonymity",
                Description = "Precision and recall of the first-spy estimator against the spy fraction p, and of the first-timestamp estimator of an eavesdropper connected to every node (Bojja Venkatakrishnan, Fanti, Viswanath 2017).",
                Nodes = 500,
                DurationSeconds = 90,
                Network = new NetworkSpec { Year = "2015" },
                Topology = new TopologySpec { Kind = "random-regular", Degree = 4 },
                Workload = new WorkloadSpec { Kind = "broadcast", Transactions = 200, IntervalSeconds = 0.2 },
                Cases = [.. AnonymityCases()],
            }),
        new("anonymity-2015", "the real 2015 Bitcoin graph (4,654 nodes): spies 5–30% (first-spy), flood vs diffusion vs Dandelion++",
            () => new Scenario
            {
                Name = "anonymity-2015",
                Description = "The anonymity preset's spies on the 2015 Bitcoin graph (Fanti and Viswanath's snapshot) with 2015 region latencies: precision and recall of the first-spy estimator against the spy fraction p, per relay policy.",
                DurationSeconds = 90,
                Network = new NetworkSpec { Year = "2015" },
                Topology = new TopologySpec { Kind = "edges", File = "bitcoin-2015" },
                Workload = new WorkloadSpec { Kind = "broadcast", Transactions = 200, IntervalSeconds = 0.2 },
                Cases = [.. SpyCases()],
            }),
        new("eavesdropper-2015", "the real 2015 Bitcoin graph (4,654 nodes), an eavesdropper on every node: Fanti and Viswanath's model reproduces their ~30%; Bitcoin Core's delays, one at a time, and Dandelion++",
            () => new Scenario
            {
                Name = "eavesdropper-2015",
                Description = "Fanti and Viswanath (2017): on the 2015 graph, diffusion lets a first-timestamp eavesdropper name the source about 30% of the time. "
                    + "Their model: an independent exponential delay on every edge (the eavesdropper's too), instant delivery. The first case sets the real relay code to it "
                    + "(independent 2 s timers, no inbound request delay; 1 ms links make the inv/getdata/tx round trip negligible); the next cases put back Bitcoin Core's "
                    + "2 s inbound request delay (NONPREF_PEER_TX_DELAY, since Core 0.19) and its shared 5 s inbound timer, then all of Core, then Dandelion++.",
                DurationSeconds = 90,
                Network = new NetworkSpec { Model = "synchronous", BoundMs = 1 },
                Topology = new TopologySpec { Kind = "edges", File = "bitcoin-2015" },
                Workload = new WorkloadSpec { Kind = "broadcast", Transactions = 200, IntervalSeconds = 0.2 },
                Cases =
                [
                    new() { Label = "paper model", Relay = "diffusion", Eavesdropper = true, InboundIntervalSeconds = 2, SharedInboundTimer = false, InboundRequestDelaySeconds = 0 },
                    new() { Label = "paper model + Core's inbound request delay", Relay = "diffusion", Eavesdropper = true, InboundIntervalSeconds = 2, SharedInboundTimer = false },
                    new() { Label = "paper model + Core's shared inbound timer", Relay = "diffusion", Eavesdropper = true, InboundRequestDelaySeconds = 0 },
                    new() { Label = "diffusion (Bitcoin Core)", Relay = "diffusion", Eavesdropper = true },
                    new() { Label = "dandelion", Relay = "dandelion", Eavesdropper = true },
                ],
            }),
        new("resilience", "2,000 nodes, Bitcoin-like: remove 10–90% of nodes at random or by highest degree, then broadcast; coverage of the survivors",
            () => new Scenario
            {
                Name = "resilience",
                Description = "Nodes crash after the handshakes (at random, or the best-connected first); 10 transactions then spread by diffusion. Coverage is over the surviving nodes.",
                Nodes = 2000,
                DurationSeconds = 60,
                Topology = new TopologySpec { Kind = "bitcoin" },
                Workload = new WorkloadSpec { Kind = "broadcast", Transactions = 10 },
                Cases = [.. ResilienceCases()],
            }),
        new("partition", "1,000 nodes, 8-regular: the Americas cut from the rest of the world for 20 s during a broadcast, held vs dropped traffic, then healed",
            () => new Scenario
            {
                Name = "partition",
                Description = "A two-sided partition of the underlay from t=5 s to t=25 s (all regions: Americas | rest); 10 transactions during the cut. 'hold' delivers the cut traffic on healing (TCP retransmits), 'drop' loses it.",
                Nodes = 1000,
                DurationSeconds = 60,
                Topology = new TopologySpec { Kind = "random-regular", Degree = 8 },
                Workload = new WorkloadSpec { Kind = "broadcast", Transactions = 10, FirstAtSeconds = 6 },
                Partitions = [new PartitionSpec { RegionsA = ["NORTH_AMERICA", "SOUTH_AMERICA"], RegionsB = ["EUROPE", "ASIA_PACIFIC", "JAPAN", "AUSTRALIA"], FromSeconds = 5, UntilSeconds = 25, Mode = "hold" }],
                Cases = [new() { Label = "hold", PartitionMode = "hold" }, new() { Label = "drop", PartitionMode = "drop" }],
            }),
        new("byzantine", "1,000 nodes, 8-regular: 10–50% Byzantine nodes that drop, delay, stall or send invalid data; coverage and latency of the honest nodes, disconnections",
            () => new Scenario
            {
                Name = "byzantine",
                Description = "A share of the nodes run the real node but tamper with their relay messages: drop (relay nothing), delay (hold every inv/tx/headers/block 10 s), stall (announce at once, hold the bodies 10 s), invalid (serve consensus-invalid transactions). 20 transactions by diffusion from honest nodes; coverage and times are over the honest nodes.",
                Nodes = 1000,
                DurationSeconds = 90,
                Topology = new TopologySpec { Kind = "random-regular", Degree = 8 },
                Workload = new WorkloadSpec { Kind = "broadcast", Relay = "diffusion", Transactions = 20, IntervalSeconds = 1 },
                Cases = [.. ByzantineCases()],
            }),
        new("eclipse", "200 nodes grown by discovery; 50–3,200 attacker addresses flood 20 victims, which restart: share of victims eclipsed, with vs without countermeasures",
            () => new Scenario
            {
                Name = "eclipse",
                Description = "Heilman et al. (USENIX Security 2015): attacker nodes, one address each, open 32 inbound connections to each of 20 victims from t=300 s and send 1,000 of their addresses every 10 minutes; at t=2,100 s the victims restart from their persisted books and anchors. Counted 5 minutes later: victims whose full-relay outbound connections all (or at least half) go to the attacker, with the core's countermeasures and without them (DiscoveryOptions.WithoutEclipseCountermeasures).",
                Nodes = 200,
                DurationSeconds = 60,
                StartSpreadSeconds = 60,
                Topology = new TopologySpec { Kind = "discovery" },
                Cases = [.. EclipseCases()],
            }),
    ];

    private static IEnumerable<CaseSpec> EclipseCases()
    {
        foreach (bool countermeasures in new[] { true, false })
            foreach (int attackers in EclipseAttackerNodes)
                yield return new CaseSpec
                {
                    Label = $"{attackers} addresses, {(countermeasures ? "with" : "without")} countermeasures",
                    Eclipse = new EclipseSpec { AttackerNodes = attackers, Victims = 20, ConnectionsPerVictim = 32, Countermeasures = countermeasures },
                };
    }

    private static IEnumerable<CaseSpec> ByzantineCases()
    {
        yield return new CaseSpec { Label = "honest" };
        foreach (var behaviour in new[] { "drop", "delay", "stall", "invalid" })
            foreach (double f in ByzantineFractions)
                yield return new CaseSpec { Label = $"{behaviour} {f:0.0}", Byzantine = new ByzantineSpec { Fraction = f, Behaviour = behaviour, DelaySeconds = 10 } };
        // Colluders serve one invalid body: honest nodes punish only its first sender (Core's recent-rejects rule).
        foreach (double f in ByzantineFractions)
            yield return new CaseSpec { Label = $"invalid colluding {f:0.0}", Byzantine = new ByzantineSpec { Fraction = f, Behaviour = "invalid", Collude = true } };
    }

    private static IEnumerable<CaseSpec> AnonymityCases()
    {
        foreach (var relay in RelayPolicies)
        {
            yield return new CaseSpec { Label = $"{relay} eavesdropper", Relay = relay, Eavesdropper = true };
            foreach (var spies in SpyCases(relay)) yield return spies;
        }
    }

    private static readonly string[] RelayPolicies = ["flood", "diffusion", "dandelion"];

    private static IEnumerable<CaseSpec> SpyCases() => RelayPolicies.SelectMany(SpyCases);

    private static IEnumerable<CaseSpec> SpyCases(string relay) =>
        SpyFractions.Select(p => new CaseSpec { Label = $"{relay} p={p:0.00}", Relay = relay, SpyFraction = p });

    private static IEnumerable<CaseSpec> ResilienceCases()
    {
        yield return new CaseSpec { Label = "none removed" };
        foreach (var order in new[] { "random", "degree" })
            foreach (double f in new[] { 0.1, 0.3, 0.5, 0.7, 0.9 })
                yield return new CaseSpec { Label = $"{order} {f:0.0}", RemoveFraction = f, RemoveOrder = order };
    }

    public static Preset? Find(string name) => All.FirstOrDefault(p => p.Name == name);
}

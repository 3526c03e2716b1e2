using Nodus.Sim.Report;
using Nodus.Sim.Workloads;
using Nodus.Sim.Scenarios;
using Xunit;

namespace Nodus.Sim.Tests;

public class BlockWorkloadTests
{
    private static Scenario Blocks(string kind = "handshake", string fill = "direct", int nodes = 80) => new()
    {
        Name = "blocks-test",
        Seed = 7,
        Nodes = nodes,
        DurationSeconds = 5,
        Topology = new TopologySpec { Kind = "random-regular", Degree = 6 },
        Workload = new WorkloadSpec
        {
            Kind = kind, Transactions = 3, Blocks = 3, BlockIntervalSeconds = 30, FirstBlockAtSeconds = 5,
            BlockMaxBytes = 20_000, BlockFill = fill, TxPerSecond = 7,
        },
    };

    [Fact]
    public void Run_Blocks_EveryBlockReachesEveryNodeAndOneTipRemains()
    {
        var b = new ScenarioRunner(Blocks()).Run().Cases.Single().Blocks!;
        Assert.Equal(3, b.Blocks.Count);
        // A block found within a second of another forks the chain (this seed has one): the main chain's blocks reach
        // every node; the stale one stops where the other branch already arrived.
        var main = b.Blocks.Where(r => r.OnMainChain).ToList();
        Assert.Equal(b.MainChainHeight, main.Count);
        Assert.Equal(b.Blocks.Count - main.Count, b.Stale);
        Assert.All(main, r => Assert.Equal(80, r.Propagation.Reached));
        Assert.All(main, r => Assert.True(r.Propagation.Time100Ms > 0));
        Assert.Equal(1, b.DistinctFinalTips);
        Assert.Equal(80, b.NodesOnMainTip);
        // The miner's mempool filled the block with real transactions up to the template limit.
        Assert.All(main, r => Assert.InRange(r.Bytes, 15_000, 20_000));
        Assert.All(main, r => Assert.True(r.Transactions > 50));
    }

    [Fact]
    public void Run_BlocksFromRelayedMempool_IncludeTheBroadcastTransactions()
    {
        var c = new ScenarioRunner(Blocks(kind: "broadcast", fill: "mempool")).Run().Cases.Single();
        Assert.All(c.Broadcast!.Transactions, t => Assert.Equal(80, t.Reached));
        // The three relayed transactions reached every mempool before the first block (at least 5 s later), so the
        // first block holds them and the coinbase.
        Assert.Equal(4, c.Blocks!.Blocks[0].Transactions);
    }

    [Fact]
    public void Run_KeepAliveOff_NoPingsAndBlocksStillReachEveryNode()
    {
        var on = new ScenarioRunner(Blocks(nodes: 50)).Run().Cases.Single();
        Assert.Contains(on.Traffic.PerCommand, kv => kv.Key == "ping" && kv.Value.Messages > 0);

        var scenario = Scenario.Parse("""{ "nodes": 50, "keepAlive": false }""");
        Assert.False(scenario.KeepAlive);
        var spec = Blocks(nodes: 50);
        spec.KeepAlive = false;
        var off = new ScenarioRunner(spec).Run().Cases.Single();
        Assert.DoesNotContain(off.Traffic.PerCommand, kv => kv.Key is "ping" or "pong");
        Assert.All(off.Blocks!.Blocks.Where(r => r.OnMainChain), r => Assert.Equal(50, r.Propagation.Reached));
        Assert.True(off.EventsProcessed < on.EventsProcessed);
    }

    [Fact]
    public void Run_Blocks_SameSeedSameBytes()
    {
        var a = ReportJson.Serialize(new ScenarioRunner(Blocks(nodes: 50)).Run());
        var b = ReportJson.Serialize(new ScenarioRunner(Blocks(nodes: 50)).Run());
        Assert.Equal(a, b);
    }

    [Fact]
    public void Run_BlockValidationTime_DelaysAnnouncementsButNotHighBandwidthPushes()
    {
        Scenario Spec(double validationMs, bool compact)
        {
            var s = Blocks(nodes: 60);
            s.KeepAlive = false;
            s.CompactBlocks = compact;
            s.Network = new NetworkSpec { Model = "synchronous", BoundMs = 20 };
            s.Workload.BlockValidationMs = validationMs;
            return s;
        }
        BlockResult Run(double validationMs, bool compact) => new ScenarioRunner(Spec(validationMs, compact)).Run().Cases.Single().Blocks!;

        // Whole blocks: every hop announces after validating, so every node but the miner's neighbours waits for it.
        var wholeFast = Run(0, compact: false);
        var wholeSlow = Run(1_000, compact: false);
        Assert.All(wholeSlow.Blocks.Where(r => r.OnMainChain), r => Assert.Equal(60, r.Propagation.Reached));
        Assert.True(wholeSlow.PooledDelayMs.Percentile(50) > wholeFast.PooledDelayMs.Percentile(50) + 1_000,
            $"median {wholeSlow.PooledDelayMs.Percentile(50)} ms with 1 s of validation per hop, {wholeFast.PooledDelayMs.Percentile(50)} ms without");

        // Compact blocks: a node pushes to its high-bandwidth peers before it validates (Bitcoin Core's
        // NewPoWValidBlock), so the first receptions do not wait a second; announcements to the rest still do.
        var compactSlow = Run(1_000, compact: true);
        Assert.All(compactSlow.Blocks.Where(r => r.OnMainChain), r => Assert.Equal(60, r.Propagation.Reached));
        Assert.True(compactSlow.PooledDelayMs.Min < 500, $"fastest reception {compactSlow.PooledDelayMs.Min} ms");
        Assert.True(compactSlow.PooledDelayMs.Max > 1_000, $"slowest reception {compactSlow.PooledDelayMs.Max} ms");

        // Reported with the parameters; absent when zero, so older reports stay byte-identical.
        var json = System.Text.Encoding.UTF8.GetString(ReportJson.Serialize(new ScenarioRunner(Spec(1_000, true)).Run()));
        Assert.Contains("\"blockValidationMs\": 1000", json, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => Scenario.Parse("""{ "nodes": 10, "workload": { "blocks": 1, "blockValidationMs": -1 } }""").Validate());
    }

    [Fact]
    public void ValidationSpread_LognormalFactorsWithMeanOne_FastValidatorsCarryTheBlock()
    {
        var factors = BlockWorkload.ValidationFactors(1.0, 20_000, seed: 4);
        Assert.InRange(factors.Average(), 0.95, 1.05);
        var stats = new Nodus.Sim.Metrics.Stats(factors);
        Assert.InRange(stats.Percentile(90), 2.0, 2.4);   // exp(1.2816 - 0.5) = 2.18
        Assert.InRange(stats.Percentile(50), 0.55, 0.67); // exp(-0.5) = 0.61
        Assert.All(BlockWorkload.ValidationFactors(0, 10, seed: 4), f => Assert.Equal(1.0, f));

        // Whole blocks, 300 ms per hop on average. A node's arrival is the first of several paths, so the fast
        // validators carry the block: with the same mean, a spread makes propagation faster, not slower.
        BlockResult Run(double spread)
        {
            var s = Blocks(nodes: 60);
            s.KeepAlive = false;
            s.CompactBlocks = false;
            s.Network = new NetworkSpec { Model = "synchronous", BoundMs = 20 };
            s.Workload.BlockValidationMs = 300;
            s.Workload.BlockValidationSpread = spread;
            return new ScenarioRunner(s).Run().Cases.Single().Blocks!;
        }
        var even = Run(0);
        var spread = Run(1.5);
        Assert.All(spread.Blocks.Where(r => r.OnMainChain), r => Assert.Equal(60, r.Propagation.Reached));
        Assert.True(spread.PooledDelayMs.Percentile(50) < even.PooledDelayMs.Percentile(50),
            $"median arrival {spread.PooledDelayMs.Percentile(50)} ms with a spread, {even.PooledDelayMs.Percentile(50)} ms without");
        Assert.Throws<InvalidDataException>(() => Scenario.Parse("""{ "nodes": 10, "workload": { "blocks": 1, "blockValidationSpread": 1 } }""").Validate());
    }

    [Fact]
    public void Run_PartitionWithMinersOnBothSides_StaleBlocksAndOneTipAfterHealing()
    {
        var s = new Scenario
        {
            Name = "block-partition-test",
            Seed = 3,
            Nodes = 100,
            DurationSeconds = 5,
            Network = new NetworkSpec { Model = "synchronous", BoundMs = 50 },
            Topology = new TopologySpec { Kind = "random-regular", Degree = 6 },
            Workload = new WorkloadSpec { Blocks = 8, BlockIntervalSeconds = 10, FirstBlockAtSeconds = 5, BlockMaxBytes = 5_000, BlockFill = "direct" },
            Partitions = [new PartitionSpec { SplitFraction = 0.5, FromSeconds = 4, UntilSeconds = 60, Mode = "hold" }],
        };
        var b = new ScenarioRunner(s).Run().Cases.Single().Blocks!;
        Assert.True(b.Stale > 0, "both sides mined during the cut: the losing branch is stale");
        Assert.True(b.Reorganisations > 0);
        Assert.Equal(1, b.DistinctFinalTips);
        var t = Assert.Single(b.TipConvergence);
        Assert.NotNull(t.OneTipAt);
        Assert.True(t.OneTipAt >= t.HealAt);
    }
}

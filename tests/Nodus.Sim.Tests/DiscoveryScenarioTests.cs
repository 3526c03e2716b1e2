using System.Net;
using Nodus.Core.Discovery;
using Nodus.Sim.Engine;
using Nodus.Sim.Report;
using Nodus.Sim.Scenarios;
using Xunit;

namespace Nodus.Sim.Tests;

public class DiscoveryScenarioTests
{
    private static Scenario Grown(int nodes = 100) => new()
    {
        Name = "discovery-test",
        Seed = 3,
        Nodes = nodes,
        DurationSeconds = 20,
        StartSpreadSeconds = 20,
        Topology = new TopologySpec { Kind = "discovery", Bootnodes = 3 },
        Workload = new WorkloadSpec { Kind = "broadcast", Relay = "diffusion", Transactions = 2, FirstAtSeconds = 70 },
    };

    [Fact]
    public void Run_GrownFromBootnodes_FillsOutboundSlotsAndBroadcastReachesAll()
    {
        var c = new ScenarioRunner(Grown()).Run().Cases.Single();
        var d = c.Discovery!;
        // Every node found 8 full-relay outbound peers through getaddr/addr, starting from 3 bootnodes only — except
        // that in 100 nodes a bootnode may have every other node as an inbound peer, leaving nobody to dial.
        Assert.InRange(d.OutboundFull.Reached, 97, 100);
        Assert.Equal(8, d.FullRelayOutbound.Percentile(4));
        Assert.Equal(2, d.BlockRelayOutbound.Percentile(4));
        Assert.Equal(1, d.Components);
        // Books hold far more than the seeds: addresses spread by gossip.
        Assert.True(d.AddressBookSize.Percentile(50) > 20, $"median book {d.AddressBookSize.Percentile(50)}");
        Assert.All(c.Broadcast!.Transactions, t => Assert.Equal(100, t.Reached));
        Assert.Contains(c.Traffic.PerCommand, kv => kv.Key == "getaddr");
        Assert.Contains(c.Traffic.PerCommand, kv => kv.Key == "addr");
    }

    private static Scenario Churning(int nodes = 80) => new()
    {
        Name = "churn-test",
        Seed = 5,
        Nodes = nodes,
        DurationSeconds = 120,
        StartSpreadSeconds = 20,
        Topology = new TopologySpec { Kind = "discovery", Bootnodes = 3, SampleSeconds = 5 },
        Workload = new WorkloadSpec { Kind = "broadcast", Relay = "diffusion", Transactions = 8, FirstAtSeconds = 40, IntervalSeconds = 10 },
        Churn = new ChurnSpec { FromSeconds = 40, MeanSessionSeconds = 60, MeanOfflineSeconds = 30, CrashFraction = 0.5, FreshFraction = 0.4 },
    };

    [Fact]
    public void Run_Churn_LiveNodesStayConnectedAndBroadcastsReachThem()
    {
        var d = new ScenarioRunner(Churning()).Run().Cases.Single().Discovery!;
        var churn = d.Churn!;
        Assert.True(churn.Departures > 20, $"departures {churn.Departures}");
        Assert.True(churn.Crashes > 0 && churn.Crashes < churn.Departures, "both crashes and clean shutdowns");
        Assert.True(churn.FreshJoins > 0 && churn.ReturningJoins > 0, "both fresh and returning joins");
        var during = d.Samples.Where(s => s.Seconds >= 60).ToList();
        Assert.Contains(during, s => s.Live < 75); // nodes really left
        // Departed peers are replaced: almost every live node is in one component, most hold 8/8 outbound.
        Assert.All(during, s => Assert.True(s.LargestComponent >= s.Live - 2, $"t={s.Seconds}: {s.LargestComponent} of {s.Live}"));
        // ~50 live nodes in 20 /16s with 1-minute sessions: a lost outbound peer takes seconds to replace, so a
        // fifth to a quarter of the nodes are short of 8/8 at any moment (the 1,000-node preset: ~97% hold 8/8).
        Assert.True(during.Average(s => s.OutboundFull / (double)s.Live) > 0.6);
        Assert.NotEmpty(d.BroadcastWindows);
        // Transactions whose source stayed up reach the nodes that stayed up (a source leaving at once may lose one).
        Assert.All(d.BroadcastWindows.Where(w => !w.SourceLeft), w => Assert.True(w.Coverage >= 0.95, $"{w.Key}: {w.Reached}/{w.Eligible}"));
    }

    [Fact]
    public void Run_ChurnIncludingBootnodes_TheBootnodesLeaveToo()
    {
        var withBootnodes = Churning();
        withBootnodes.Churn!.IncludeBootnodes = true;
        var run = new ScenarioRunner(withBootnodes).Run().Cases.Single().Discovery!;
        var plain = new ScenarioRunner(Churning()).Run().Cases.Single().Discovery!;
        Assert.True(run.Churn!.BootnodeDepartures > 0, "the bootnodes churn");
        Assert.Equal(0, plain.Churn!.BootnodeDepartures);
        Assert.All(run.Samples.Where(s => s.Seconds >= 60), s => Assert.True(s.LargestComponent >= s.Live - 3, $"t={s.Seconds}: {s.LargestComponent} of {s.Live}"));
    }

    [Fact]
    public void Run_Churn_SameSeedSameBytes()
    {
        var a = ReportJson.Serialize(new ScenarioRunner(Churning(60)).Run());
        var b = ReportJson.Serialize(new ScenarioRunner(Churning(60)).Run());
        Assert.Equal(a, b);
    }

    [Fact]
    public void Run_ChurnWithDnsSeeds_SeedsCrawlAndHandOutNodesThatAreUp_SameSeedSameBytes()
    {
        Scenario WithSeeds()
        {
            var s = Churning(100);
            s.DurationSeconds = 240;
            s.Topology.DnsSeeds = 2;
            return s;
        }
        var report = new ScenarioRunner(WithSeeds()).Run();
        var d = report.Cases.Single().Discovery!;
        var seeds = d.DnsSeeds!;
        Assert.Equal(2, seeds.Seeds);
        // Every node starts with an empty book and asks both seeds, and fresh joins ask again.
        Assert.True(seeds.Queries > 2 * (100 - 3), $"{seeds.Queries} queries");
        Assert.True(seeds.AddressesGiven > 1_000, $"{seeds.AddressesGiven} addresses given");
        // Most of what the seeds hand out is up (76% here), though sessions of a minute are far shorter than the
        // 15 minutes after which the crawl re-tests a tried address (the 1,000-node churn preset: 86%).
        double up = seeds.AddressesUp / (double)seeds.AddressesGiven;
        Assert.True(up > 0.6, $"{up:P0} of the addresses given were up");
        Assert.True(seeds.GoodAtEnd.Min > 30, $"good addresses at the end: {seeds.GoodAtEnd.Min}");
        Assert.All(d.BroadcastWindows.Where(w => !w.SourceLeft), w => Assert.True(w.Coverage >= 0.95, $"{w.Key}: {w.Reached}/{w.Eligible}"));
        Assert.Null(new ScenarioRunner(Churning(60)).Run().Cases.Single().Discovery!.DnsSeeds);

        Assert.Equal(ReportJson.Serialize(report), ReportJson.Serialize(new ScenarioRunner(WithSeeds()).Run()));
        // Seeds that churn too: a query to one that is down times out empty, and the nodes get by with the other.
        var churningSeeds = WithSeeds();
        churningSeeds.Churn!.IncludeBootnodes = true;
        var down = new ScenarioRunner(churningSeeds).Run().Cases.Single().Discovery!;
        Assert.True(down.Churn!.BootnodeDepartures > 0 && down.DnsSeeds!.Unanswered > 0, $"{down.DnsSeeds!.Unanswered} unanswered");
        Assert.All(down.Samples.Where(s => s.Seconds >= 60), s => Assert.True(s.LargestComponent >= s.Live - 3, $"t={s.Seconds}: {s.LargestComponent} of {s.Live}"));

        var tooMany = WithSeeds();
        tooMany.Topology.DnsSeeds = 4;
        Assert.Contains("topology.dnsSeeds", Assert.Throws<InvalidDataException>(tooMany.Validate).Message);
    }

    /// <summary>Churn while blocks are mined: 4 blocks 30 s apart from t = 40 s, churn until 150 s (then every node
    /// comes back and stays).</summary>
    private static Scenario ChurningWithBlocks()
    {
        var s = Churning();
        s.Workload.Blocks = 4;
        s.Workload.BlockIntervalSeconds = 30;
        s.Workload.FirstBlockAtSeconds = 40;
        s.Churn!.UntilSeconds = 150;
        return s;
    }

    [Fact]
    public void Run_ChurnWithBlocks_ReturningNodesReloadTheirChain_FreshOnesSyncFromGenesis_AllEndOnOneTip()
    {
        var c = new ScenarioRunner(ChurningWithBlocks()).Run().Cases.Single();
        var b = c.Blocks!;
        Assert.Equal(4, b.Blocks.Count);
        Assert.InRange(b.MainChainHeight, 3, 4); // one may go stale if two are found close together
        Assert.Equal(1, b.DistinctFinalTips);    // every live node synced to one tip by the end
        Assert.True(b.NodesOnMainTip >= 75, $"{b.NodesOnMainTip} on the main tip");
        var r = b.Rejoins!;
        Assert.True(r.WithChain > 0, "returning nodes restart from the chain they stored");
        Assert.True(r.FromGenesis > 0, "fresh nodes start from genesis");
        Assert.True(r.BlocksBehind.Count > 0);
        Assert.Equal(r.BlocksBehind.Count, r.CaughtUp + r.LeftBehind + r.BehindAtEnd);
        Assert.Equal(0, r.BehindAtEnd); // churn ends at 150 s, the run 120 s after the last block
        Assert.True(r.CatchUpMs.Percentile(50) < 30_000, $"median catch-up {r.CatchUpMs.Percentile(50)} ms");
        Assert.Equal(ReportJson.Serialize(new ScenarioRunner(ChurningWithBlocks()).Run()),
            ReportJson.Serialize(new ScenarioRunner(ChurningWithBlocks()).Run()));
    }

    /// <summary>The example scenario files in docs/scenarios stay valid as the format changes.</summary>
    [Fact]
    public void DocsScenarioExamples_ParseAndValidate()
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "docs", "scenarios");
        var files = Directory.GetFiles(dir, "*.json");
        Assert.NotEmpty(files);
        foreach (var file in files) Scenario.Parse(File.ReadAllText(file)).Validate();
    }

    [Fact]
    public void Gamma_MatchesKnownValues()
    {
        Assert.Equal(2.0, ChurnProcess.Gamma(3), 10);           // Γ(1 + 1/0.5): the Weibull scale factor for shape 0.5
        Assert.Equal(Math.Sqrt(Math.PI), ChurnProcess.Gamma(0.5), 10);
        Assert.Equal(24.0, ChurnProcess.Gamma(5), 9);
    }

    [Fact]
    public void SimAddresses_RoutableDistinctGroupsAndRoundTrip()
    {
        var addresses = new SimAddresses(1_000_000, SimRuntime.ListenPort);
        var groups = new HashSet<ulong>();
        foreach (int v in new[] { 0, 1, 2, 3, 4, 249_999, 250_000, 999_999 })
        {
            var ep = new IPEndPoint(addresses.AddressOf(v), SimRuntime.ListenPort);
            Assert.Equal(v, addresses.IndexOf(ep));
            var key = AddressKey.From(ep);
            Assert.True(NetworkGroups.Internet.IsRoutable(key), ep.ToString());
            if (v < 5) Assert.True(groups.Add(NetworkGroups.Internet.GroupOf(key)), "consecutive nodes share a /16");
        }
        Assert.Equal(55_040, addresses.Groups); // every public /16 the mapping uses (215 first octets × 256)
        Assert.Equal(100, new SimAddresses(100, SimRuntime.ListenPort).Groups);   // small runs: one node per group
        Assert.Equal(1_250, new SimAddresses(5_000, SimRuntime.ListenPort).Groups); // else four nodes per /16
        Assert.Equal(-1, addresses.IndexOf(new IPEndPoint(IPAddress.Parse("10.0.0.1"), SimRuntime.ListenPort)));
        Assert.Equal(-1, addresses.IndexOf(new IPEndPoint(addresses.AddressOf(5), 18444)));
    }
}

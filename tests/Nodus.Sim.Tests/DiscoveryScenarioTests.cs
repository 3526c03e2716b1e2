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

    [Fact]
    public void Run_Grown_SameSeedSameBytes()
    {
        var a = ReportJson.Serialize(new ScenarioRunner(Grown(60)).Run());
        var b = ReportJson.Serialize(new ScenarioRunner(Grown(60)).Run());
        Assert.Equal(a, b);
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
        Assert.Equal(-1, addresses.IndexOf(new IPEndPoint(IPAddress.Parse("10.0.0.1"), SimRuntime.ListenPort)));
        Assert.Equal(-1, addresses.IndexOf(new IPEndPoint(addresses.AddressOf(5), 18444)));
    }
}

using Nodus.Sim.Report;
using Nodus.Sim.Scenarios;
using Xunit;

namespace Nodus.Sim.Tests;

public class ScenarioRunnerTests
{
    private static Scenario Small(long seed) => new()
    {
        Name = "small",
        Seed = seed,
        Nodes = 200,
        DurationSeconds = 10,
        Topology = new TopologySpec { Kind = "random-regular", Degree = 6 },
    };

    [Fact]
    public void Run_SameSeed_ReportJsonIsByteIdentical()
    {
        var a = ReportJson.Serialize(new ScenarioRunner(Small(9)).Run());
        var b = ReportJson.Serialize(new ScenarioRunner(Small(9)).Run());
        Assert.Equal(a, b);
        var c = ReportJson.Serialize(new ScenarioRunner(Small(10)).Run());
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Run_HandshakePreset1000Nodes_EveryHandshakeCompletes()
    {
        var scenario = Presets.Find("handshake")!.Create();
        var report = new ScenarioRunner(scenario).Run();
        var c = report.Cases.Single();
        Assert.Equal(1000, c.Handshakes.LiveNodes);
        Assert.Equal(1000, c.Handshakes.Reached);
        Assert.Equal(4000, c.HandshakeDurationMs.Count); // 1000 × 8 / 2 connections, one outbound side each
        Assert.Equal(4000, c.OpenConnections);
        // Every handshake costs at least one RTT after the connection opens: SimBlock's latency floor is the
        // smallest mean (Europe, 11 ms) minus 5 ms, so at least 2 × 6 ms.
        Assert.True(c.HandshakeDurationMs.Min >= 12, $"min {c.HandshakeDurationMs.Min}");
        var perCommand = c.Traffic.PerCommand.ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal(8000, perCommand["version"].Messages);
        Assert.Equal(8000, perCommand["verack"].Messages);
    }

    [Fact]
    public void Parse_UnknownField_IsRejectedWithItsName()
    {
        var e = Assert.Throws<InvalidDataException>(() => Scenario.Parse("""{ "nodes": 10, "nodez": 3 }"""));
        Assert.Contains("nodez", e.Message);
    }

    [Fact]
    public void Parse_FullExample_RoundTripsFields()
    {
        var s = Scenario.Parse("""
            {
              "name": "x", "seed": 5, "nodes": 50, "durationSeconds": 3,
              "network": { "model": "asynchronous", "boundMs": 80, "paretoShape": 1.2 },
              "topology": { "kind": "random-regular", "degree": 4 },
              "partitions": [ { "splitFraction": 0.5, "fromSeconds": 1, "untilSeconds": 2, "mode": "drop" } ]
            }
            """);
        Assert.Equal(5, s.Seed);
        Assert.Equal("asynchronous", s.Network.Model);
        Assert.Single(s.Partitions);
        var report = new ScenarioRunner(s).Run();
        Assert.Equal(50, report.Topology.Nodes);
    }
}

using Nodus.Sim.Scenarios;
using Xunit;

namespace Nodus.Sim.Tests;

public class EclipseTests
{
    private static CaseSpec Attack(bool countermeasures) => new()
    {
        Label = countermeasures ? "with" : "without",
        Eclipse = new EclipseSpec
        {
            AttackerNodes = 60, Victims = 4, ConnectionsPerVictim = 16, AttackAtSeconds = 60, RestartAtSeconds = 360,
            SettleSeconds = 60, Countermeasures = countermeasures,
        },
    };

    /// <summary>24 nodes grown from 3 bootnodes, seed 2, with <paramref name="cases"/>.</summary>
    private static SimReport Run(string name, params CaseSpec[] cases) => new ScenarioRunner(new Scenario
    {
        Name = name,
        Seed = 2,
        Nodes = 24,
        DurationSeconds = 30,
        StartSpreadSeconds = 20,
        Topology = new TopologySpec { Kind = "discovery", Bootnodes = 3 },
        Cases = [.. cases],
    }).Run();

    [Fact]
    public void Eclipse_FloodThenRestart_TheAttackerGetsMoreOutboundSlotsWithoutTheCountermeasures()
    {
        var report = Run("eclipse-test", Attack(true), Attack(false));
        var (with, without) = (report.Cases[0].Eclipse!, report.Cases[1].Eclipse!);
        Assert.Equal(4, with.Victims);
        Assert.All(new[] { with, without }, e => Assert.Equal(8, e.FullRelayOutbound.Min)); // every victim reconnected
        // The flood reached the books: most new-table references are the attacker's either way.
        Assert.True(with.NewShareBeforeRestart.Mean > 0.5, $"new-table share {with.NewShareBeforeRestart.Mean}");
        // Without group bucketing, test-before-evict, feelers, anchors and the rate limit, and with inbound peers
        // going to tried (early bitcoind), the attacker holds more of the restarted victims' outbound slots.
        Assert.True(without.TriedShareBeforeRestart.Mean > with.TriedShareBeforeRestart.Mean,
            $"tried share with {with.TriedShareBeforeRestart.Mean}, without {without.TriedShareBeforeRestart.Mean}");
        Assert.True(without.FullRelayToAttacker.Mean > with.FullRelayToAttacker.Mean,
            $"outbound share with {with.FullRelayToAttacker.Mean}, without {without.FullRelayToAttacker.Mean}");
    }

    [Fact]
    public void Eclipse_FillInboundAfterRestart_TheAttackerHoldsTheVictimsInboundSlots()
    {
        var filling = Attack(true);
        filling.Eclipse!.FillInboundAfterRestart = true;
        filling.Eclipse.RefillInboundSeconds = 10; // and it keeps reconnecting from the addresses it loses
        var report = Run("eclipse-inbound-test", filling, Attack(true));
        var (filled, plain) = (report.Cases[0].Eclipse!, report.Cases[1].Eclipse!);
        Assert.Null(plain.Inbound); // only asked for: the preset's report stays as it was
        var inbound = filled.Inbound!;
        // 60 attacker addresses, one connection each to every restarted victim; honest nodes still dial in (outbound replacements, feelers): ≈ 0.9 of inbound is the attacker's.
        Assert.True(inbound.Inbound.Min >= 60, $"inbound min {inbound.Inbound.Min}");
        Assert.True(inbound.ToAttacker.Mean > 0.8, $"attacker share of inbound {inbound.ToAttacker.Mean}");
        Assert.InRange(inbound.FullyEclipsed, 0, filled.Eclipsed);
        string json = System.Text.Encoding.UTF8.GetString(Nodus.Sim.Report.ReportJson.Serialize(report));
        Assert.Contains("\"inboundShareToAttacker\"", json);
        Assert.Contains("\"fullyEclipsed\"", json);
        var refillAlone = new EclipseSpec { RefillInboundSeconds = 10 };
        Assert.Throws<InvalidDataException>(() => refillAlone.Validate("eclipse")); // needs fillInboundAfterRestart
    }

    [Fact]
    public void Parse_Eclipse_NeedsDiscoveryTopology()
    {
        var e = Assert.Throws<InvalidDataException>(() => Scenario.Parse("""{ "eclipse": { "attackerNodes": 10 } }"""));
        Assert.Contains("discovery", e.Message);
        var s = Scenario.Parse("""{ "topology": { "kind": "discovery" }, "eclipse": { "attackerNodes": 10, "countermeasures": false } }""");
        Assert.False(s.Eclipse!.Countermeasures);
    }
}

using System.Net;
using Nodus.Core.Discovery;
using Nodus.Core.Peers;
using Nodus.Wire.Messages;
using Nodus.Wire.Types;
using Xunit;
using Xunit.Abstractions;
using static Nodus.Core.Tests.Discovery.AddressManagerTests;

namespace Nodus.Core.Tests.Discovery;

/// <summary>
/// Heilman et al.'s eclipse attack against the real discovery code in a fake network: an attacker floods the victim
/// with addresses it controls through inbound connections from a few network groups, then forces a restart; after
/// the restart the victim must still reach honest peers. The figures go to docs/discovery.md.
/// </summary>
public sealed class EclipseDefenceTests(ITestOutputHelper output)
{
    private const int Trials = 100;
    private const int HonestAddresses = 2000, HonestTried = 200, AttackerAddresses = 5000;
    private const int AttackerSourceGroups = 4, ConnectionsPerSourceGroup = 8;
    private static readonly long AttackDuration = 2 * Time.Hour, AnnounceEvery = 10 * Time.Minute;

    private sealed record TrialResult(int AttackerSlots, double NewShare, double NewOccupiedShare, double TriedShareAfterRestart,
        double TriedEntryShareAfterRestart, int AttackerEntries);

    [Fact]
    public void Attack_FromFewSourceGroupsThenRestart_NeverTakesAllFullRelaySlots()
    {
        var results = Enumerable.Range(0, Trials).Select(t => RunTrial(t, new DiscoveryOptions())).ToList();
        double meanSlots = results.Average(r => r.AttackerSlots);
        output.WriteLine($"trials {Trials}: attacker full-relay slots mean {meanSlots:F2}, max {results.Max(r => r.AttackerSlots)}, " +
                         $"histogram {string.Join(" ", Enumerable.Range(0, 9).Select(k => $"{k}:{results.Count(r => r.AttackerSlots == k)}"))}");
        output.WriteLine($"attacker share of new-table slots after the attack: mean {results.Average(r => r.NewShare):P1} of capacity " +
                         $"(max {results.Max(r => r.NewShare):P1}), {results.Average(r => r.NewOccupiedShare):P1} of occupied slots; " +
                         $"attacker entries in the book {results.Average(r => r.AttackerEntries):F0} of {AttackerAddresses}");
        output.WriteLine($"attacker share of the tried table after restart: {results.Average(r => r.TriedShareAfterRestart):P2} of capacity, " +
                         $"{results.Average(r => r.TriedEntryShareAfterRestart):P1} of tried entries");
        Assert.All(results, r => Assert.True(r.AttackerSlots < 8, "the attacker took every full-relay slot"));
        Assert.True(meanSlots < 4, $"mean attacker slots {meanSlots}");
    }

    [Fact]
    public void Attack_WithoutCountermeasures_TakesMoreSlots()
    {
        // The same attack against the same books with the switches of WithoutEclipseCountermeasures: the attacker's
        // addresses are no longer confined to its source groups' buckets, nor rate limited, and nothing protects the
        // tried table, so more of the restarted victim's outbound slots go to it.
        const int trials = 8;
        var with = Enumerable.Range(0, trials).Select(t => RunTrial(t, new DiscoveryOptions())).ToList();
        var without = Enumerable.Range(0, trials).Select(t => RunTrial(t, new DiscoveryOptions().WithoutEclipseCountermeasures())).ToList();
        double meanWith = with.Average(r => r.AttackerSlots), meanWithout = without.Average(r => r.AttackerSlots);
        output.WriteLine($"attacker full-relay slots after restart, {trials} trials: with countermeasures {meanWith:F2}, without {meanWithout:F2}; " +
                         $"new-table share {with.Average(r => r.NewShare):P1} vs {without.Average(r => r.NewShare):P1}");
        Assert.True(meanWithout > meanWith + 1, $"with {meanWith}, without {meanWithout}");
    }

    private static TrialResult RunTrial(int trial, DiscoveryOptions options)
    {
        var rng = new Random(trial);
        var store = new MemoryAddressStore();
        var victim = new FakeNetwork(options, store, seed: trial);

        // The victim's book before the attack: honest addresses from many sources, some already tried.
        var honest = Enumerable.Range(0, HonestAddresses).Select(g => InGroup(g, rng.Next(1, 65535))).ToList();
        foreach (var a in honest)
            victim.Addresses.Add(a, 1, victim.Now - rng.Next(1, 72) * Time.Hour, InGroup(rng.Next(64) * 31, 1), 0, victim.Now);
        foreach (var a in honest.OrderBy(_ => rng.Next()).Take(HonestTried)) victim.Addresses.Good(a, victim.Now, testBeforeEvict: false);
        var honestOnline = honest.Where(_ => rng.Next(2) == 0).ToHashSet();

        // The attacker's addresses, all answered by the attacker, spread over many groups so the one-per-group rule
        // alone cannot stop it; its connections come from a few source groups.
        var attackerSet = new HashSet<AddressKey>();
        while (attackerSet.Count < AttackerAddresses) attackerSet.Add(InGroup(2000 + rng.Next(15_000), rng.Next(1, 65535)));
        var attacker = attackerSet.ToList();
        bool Online(IPEndPoint ep)
        {
            var k = AddressKey.From(ep);
            return attackerSet.Contains(k) || honestOnline.Contains(k);
        }
        victim.Online = Online;
        victim.Start();
        victim.Run(Time.Minute);

        // Every address is announced from every attacker source group (one connection per group carries it), so it
        // can take a new-table slot in each group's buckets.
        var connections = new List<PeerId>();
        var shares = new List<List<AddressKey>>();
        for (int g = 0; g < AttackerSourceGroups; g++)
            for (int c = 0; c < ConnectionsPerSourceGroup; c++)
                if (victim.ConnectInbound(InGroup(17_000 + g, c + 1).EndPoint) is { } id)
                {
                    connections.Add(id);
                    shares.Add(attacker.Where((_, j) => j % ConnectionsPerSourceGroup == c).ToList());
                }
        long attackEnd = victim.Now + AttackDuration;
        while (victim.Now < attackEnd)
        {
            for (int i = 0; i < connections.Count; i++)
            {
                if (victim.Node.GetPeer(connections[i]) is null) continue;
                var entries = shares[i].Select(a => FakeNetwork.Wire(a, victim.Now)).ToList();
                victim.Deliver(connections[i], new AddrMessage { Addresses = entries });
            }
            victim.Run(AnnounceEvery);
        }
        var book = victim.Addresses;
        int attackerRefs = book.All.Where(i => attackerSet.Contains(i.Address)).Sum(i => i.RefCount);
        double newShare = (double)attackerRefs / book.Options.NewCapacity;
        double newOccupiedShare = (double)attackerRefs / book.NewSlotsUsed;
        int attackerEntries = book.All.Count(i => attackerSet.Contains(i.Address));

        // Force a restart (the attacker knocks the victim offline); it comes back from its persisted book.
        victim.Shutdown();
        var restarted = new FakeNetwork(options, store, seed: 1000 + trial, start: victim.Now + Time.Minute) { Online = Online };
        restarted.Start();
        restarted.Run(3 * Time.Minute);
        var full = restarted.Established(ConnectionType.OutboundFullRelay).ToList();
        Assert.Equal(8, full.Count);
        int attackerSlots = full.Count(p => attackerSet.Contains(AddressKey.From(p.Remote)));
        double triedShare = (double)restarted.Addresses.All.Count(i => i.InTried && attackerSet.Contains(i.Address))
                            / restarted.Addresses.Options.TriedCapacity;
        double triedEntryShare = (double)restarted.Addresses.All.Count(i => i.InTried && attackerSet.Contains(i.Address))
                                 / Math.Max(1, restarted.Addresses.TriedCount);
        return new TrialResult(attackerSlots, newShare, newOccupiedShare, triedShare, triedEntryShare, attackerEntries);
    }
}

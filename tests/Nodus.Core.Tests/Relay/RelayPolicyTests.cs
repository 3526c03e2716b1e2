using System.Net;
using Nodus.Core.Peers;
using Nodus.Core.Relay;
using Nodus.Core.Tests.Support;
using Nodus.Wire.Encoding;
using Xunit;

namespace Nodus.Core.Tests.Relay;

public sealed class RelayPolicyTests
{
    private const long T0 = TestNetwork.T0;

    private static Peer NewPeer(long id, ConnectionType type) =>
        new(new PeerId(id), new IPEndPoint(IPAddress.Loopback, (int)(10_000 + id)), type, T0);

    /// <summary>Runs the policy's timers until nothing is queued; returns each announcement's send time.</summary>
    private static List<(PeerId Peer, Hash256 Txid, long At)> Drain(IRelayPolicy policy, long until = T0 + Time.Day)
    {
        var sent = new List<(PeerId, Hash256, long)>();
        while (policy.NextWakeup <= until)
        {
            long now = policy.NextWakeup;
            policy.OnTimer(now, (peer, txids) => sent.AddRange(txids.Select(t => (peer, t, now))));
        }
        return sent;
    }

    [Fact]
    public void Flood_EveryPeer_AfterConstantDelay()
    {
        var policy = new FloodPolicy(new Random(1));
        var peers = new[] { NewPeer(1, ConnectionType.OutboundFullRelay), NewPeer(2, ConnectionType.Inbound) };
        foreach (var p in peers) policy.AddPeer(p, T0);
        var txid = RelayKit.RandomHash(new Random(2));
        foreach (var p in peers) policy.Enqueue(p.Id, txid, T0);
        var sent = Drain(policy);
        Assert.Equal(2, sent.Count);
        Assert.All(sent, s => Assert.Equal(T0 + FloodPolicy.DefaultDelay, s.At));
    }

    [Fact]
    public void Flood_LaterTransaction_KeepsItsOwnDelay()
    {
        var policy = new FloodPolicy(new Random(1));
        var peer = NewPeer(1, ConnectionType.OutboundFullRelay);
        policy.AddPeer(peer, T0);
        var random = new Random(3);
        policy.Enqueue(peer.Id, RelayKit.RandomHash(random), T0);
        policy.Enqueue(peer.Id, RelayKit.RandomHash(random), T0 + 150 * Time.Millisecond);
        var sent = Drain(policy);
        Assert.Equal([T0 + 200 * Time.Millisecond, T0 + 350 * Time.Millisecond], sent.Select(s => s.At));
    }

    [Fact]
    public void Diffusion_OutboundDelays_ExponentialWithMeanTwoSeconds()
    {
        var policy = new DiffusionPolicy(new Random(11));
        const int peers = 8, rounds = 1_000;
        for (int i = 1; i <= peers; i++) policy.AddPeer(NewPeer(i, ConnectionType.OutboundFullRelay), T0);
        var delays = new List<double>();
        var random = new Random(5);
        long now = T0;
        for (int r = 0; r < rounds; r++)
        {
            for (int i = 1; i <= peers; i++) policy.Enqueue(new PeerId(i), RelayKit.RandomHash(random), now);
            var sent = Drain(policy);
            delays.AddRange(sent.Select(s => Time.ToSeconds(s.At - now)));
            now = sent.Max(s => s.At) + Time.Second;
        }
        double mean = delays.Average();
        double variance = delays.Select(d => (d - mean) * (d - mean)).Average();
        // 8,000 samples: the standard error of the mean is 2/sqrt(8000) = 0.022 s; allow about 4 of them.
        Assert.InRange(mean, 1.91, 2.09);
        // An exponential distribution has standard deviation equal to its mean.
        Assert.InRange(Math.Sqrt(variance), 1.8, 2.2);
        // Independent per peer: the 8 delays of a round are not all equal.
        Assert.True(delays.Take(peers).Distinct().Count() > 1);
    }

    /// <summary>Announces one txid to six inbound peers per round; returns each round's flush times after the enqueue.</summary>
    private static List<long[]> InboundRounds(DiffusionPolicy policy, int rounds)
    {
        const int peers = 6;
        for (int i = 1; i <= peers; i++) policy.AddPeer(NewPeer(i, ConnectionType.Inbound), T0);
        var result = new List<long[]>();
        var random = new Random(6);
        long now = T0;
        for (int r = 0; r < rounds; r++)
        {
            var txid = RelayKit.RandomHash(random);
            for (int i = 1; i <= peers; i++) policy.Enqueue(new PeerId(i), txid, now);
            var sent = Drain(policy);
            Assert.Equal(peers, sent.Count);
            result.Add([.. sent.Select(s => s.At - now)]);
            now = sent.Max(s => s.At) + Time.Second;
        }
        return result;
    }

    [Fact]
    public void Diffusion_InboundPeers_ShareOneTimerWithMeanFiveSeconds()
    {
        var rounds = InboundRounds(new DiffusionPolicy(new Random(12)), 3_000);
        Assert.All(rounds, delays => Assert.Single(delays.Distinct())); // one shared timer: all inbound peers at once
        // 3,000 samples of mean 5 s: standard error 0.091 s.
        Assert.InRange(rounds.Average(delays => Time.ToSeconds(delays[0])), 4.65, 5.35);
    }

    [Fact]
    public void Diffusion_WithoutSharedInboundTimer_EachInboundPeerHasItsOwn()
    {
        var policy = new DiffusionPolicy(new Random(12), inboundMean: 2 * Time.Second, sharedInboundTimer: false);
        var rounds = InboundRounds(policy, 1_000);
        Assert.All(rounds, delays => Assert.Equal(delays.Length, delays.Distinct().Count())); // independent timers
        // 6,000 samples of mean 2 s: standard error 0.026 s.
        Assert.InRange(rounds.SelectMany(d => d).Average(Time.ToSeconds), 1.9, 2.1);
    }

    [Fact]
    public void Diffusion_ManyQueued_FlushesAtMostMaxPerInv()
    {
        var policy = new DiffusionPolicy(new Random(1));
        var peer = NewPeer(1, ConnectionType.OutboundFullRelay);
        policy.AddPeer(peer, T0);
        var random = new Random(2);
        for (int i = 0; i < 2_500; i++) policy.Enqueue(peer.Id, RelayKit.RandomHash(random), T0);
        var batches = new List<int>();
        while (policy.NextWakeup != Time.Never)
            policy.OnTimer(policy.NextWakeup, (_, txids) => batches.Add(txids.Count));
        Assert.Equal([1_000, 1_000, 500], batches);
    }

    [Fact]
    public void Dandelion_Epoch_TwoOutboundRelays_EachSourceMappedToOne()
    {
        var policy = new DandelionPolicy(new Random(3), stemProbability: 1.0);
        for (int i = 1; i <= 4; i++) policy.AddPeer(NewPeer(i, ConnectionType.OutboundFullRelay), T0);
        for (int i = 5; i <= 20; i++) policy.AddPeer(NewPeer(i, ConnectionType.Inbound), T0);
        policy.AddPeer(NewPeer(21, ConnectionType.BlockRelayOnly), T0);
        var first = policy.ChooseStemRelay(new PeerId(5), T0);
        var relays = policy.Relays.Select(r => r!.Value).ToHashSet();
        Assert.Equal(2, relays.Count);
        Assert.All(relays, r => Assert.InRange(r.Value, 1, 4)); // outbound full-relay peers only
        Assert.Contains(first!.Value, relays);
        var mapping = new Dictionary<long, PeerId>();
        for (int i = 5; i <= 20; i++)
        {
            var relay = policy.ChooseStemRelay(new PeerId(i), T0 + Time.Second)!.Value;
            Assert.Contains(relay, relays);
            mapping[i] = relay;
        }
        // The mapping is stable within the epoch, and both relays get some inbound peers.
        for (int i = 5; i <= 20; i++) Assert.Equal(mapping[i], policy.ChooseStemRelay(new PeerId(i), T0 + Time.Minute));
        Assert.Equal(2, mapping.Values.Distinct().Count());
        // Own transactions always go the same way within the epoch.
        var own = policy.ChooseStemRelay(null, T0);
        for (int k = 0; k < 20; k++) Assert.Equal(own, policy.ChooseStemRelay(null, T0 + k * Time.Second));
    }

    [Fact]
    public void Dandelion_NewEpoch_RepicksRelays()
    {
        var policy = new DandelionPolicy(new Random(4), stemProbability: 1.0);
        for (int i = 1; i <= 8; i++) policy.AddPeer(NewPeer(i, ConnectionType.OutboundFullRelay), T0);
        var sets = new List<string>();
        for (int epoch = 0; epoch < 10; epoch++)
        {
            long now = T0 + epoch * DandelionPolicy.DefaultEpochLength;
            policy.ChooseStemRelay(null, now);
            Assert.Equal(epoch + 1, policy.EpochNumber);
            Assert.Equal(now, policy.EpochStart);
            sets.Add(string.Join(",", policy.Relays.Select(r => r!.Value.Value).Order()));
        }
        Assert.True(sets.Distinct().Count() >= 5, string.Join(" | ", sets));
    }

    [Fact]
    public void Dandelion_RoleCoinFlip_AboutTenPercentDiffusers()
    {
        var policy = new DandelionPolicy(new Random(5));
        policy.AddPeer(NewPeer(1, ConnectionType.OutboundFullRelay), T0);
        int diffuser = 0;
        const int epochs = 5_000;
        for (int e = 0; e < epochs; e++)
        {
            policy.StartEpoch(T0 + e * DandelionPolicy.DefaultEpochLength);
            if (policy.IsDiffuser)
            {
                diffuser++;
                Assert.Null(policy.ChooseStemRelay(new PeerId(2), T0 + e * DandelionPolicy.DefaultEpochLength));
                Assert.NotNull(policy.ChooseStemRelay(null, T0 + e * DandelionPolicy.DefaultEpochLength)); // own: stemmed
            }
        }
        // Binomial(5000, 0.1): standard deviation 21.
        Assert.InRange(diffuser, 420, 580);
    }

    [Fact]
    public void Dandelion_RelayDisconnects_ReplacedByAnotherOutbound()
    {
        var policy = new DandelionPolicy(new Random(6), stemProbability: 1.0);
        for (int i = 1; i <= 3; i++) policy.AddPeer(NewPeer(i, ConnectionType.OutboundFullRelay), T0);
        var own = policy.ChooseStemRelay(null, T0)!.Value;
        policy.RemovePeer(own, T0 + Time.Second);
        var replacement = policy.ChooseStemRelay(null, T0 + 2 * Time.Second);
        Assert.NotNull(replacement);
        Assert.NotEqual(own, replacement);
        Assert.Equal(2, policy.Relays.Where(r => r is not null).Distinct().Count());
    }

    [Fact]
    public void Dandelion_NoOutboundPeer_Fluffs()
    {
        var policy = new DandelionPolicy(new Random(7), stemProbability: 1.0);
        policy.AddPeer(NewPeer(1, ConnectionType.Inbound), T0);
        Assert.Null(policy.ChooseStemRelay(null, T0));
        Assert.Null(policy.ChooseStemRelay(new PeerId(1), T0));
    }

    [Fact]
    public void Dandelion_OnlyRelayIsTheSource_Fluffs()
    {
        var policy = new DandelionPolicy(new Random(8), stemProbability: 1.0);
        policy.AddPeer(NewPeer(1, ConnectionType.OutboundFullRelay), T0);
        Assert.Equal(new PeerId(1), policy.ChooseStemRelay(null, T0));
        Assert.Null(policy.ChooseStemRelay(new PeerId(1), T0));
    }

    [Theory]
    [InlineData("flood", RelayPolicyKind.Flood)]
    [InlineData("diffusion", RelayPolicyKind.Diffusion)]
    [InlineData("Dandelion", RelayPolicyKind.Dandelion)]
    public void RelayPolicyKinds_Parse_CliNames(string text, RelayPolicyKind expected)
    {
        Assert.Equal(expected, RelayPolicyKinds.Parse(text));
        Assert.Equal(expected, RelayPolicyKinds.Parse(expected.ToCliName()));
    }

    [Fact]
    public void RelayPolicyKinds_ParseUnknown_ClearError()
    {
        var e = Assert.Throws<FormatException>(() => RelayPolicyKinds.Parse("gossip"));
        Assert.Equal("unknown relay policy 'gossip': expected flood, diffusion or dandelion", e.Message);
        Assert.False(RelayPolicyKinds.TryParse(null, out _, out var error));
        Assert.NotNull(error);
    }
}

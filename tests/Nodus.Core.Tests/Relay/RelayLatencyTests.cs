using System.Diagnostics;
using Nodus.Core.Relay;
using Nodus.Core.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Nodus.Core.Tests.Relay;

/// <summary>Latency of each policy in a 50-node network with 50 ms links (virtual time, seeded).</summary>
public sealed class RelayLatencyTests(ITestOutputHelper output)
{
    private (double Mean, double P95) Measure(RelayPolicyKind kind)
    {
        var (network, relays) = RelayKit.Network(new RelayOptions { Policy = kind }, count: 50, seed: 99, extraOutbound: 3);
        var submitted = new Dictionary<Wire.Encoding.Hash256, long>();
        var lastArrival = new Dictionary<Wire.Encoding.Hash256, long>();
        foreach (var r in relays)
            r.TransactionReceived += a => lastArrival[a.Txid] = Math.Max(lastArrival.GetValueOrDefault(a.Txid), a.Time);
        var random = new Random(1);
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < 200; i++)
        {
            var tx = RelayKit.NewTx(random);
            submitted[tx.GetHash()] = network.Now;
            relays[random.Next(relays.Count)].SubmitTransaction(tx, network.Now);
            network.RunFor(100 * Time.Millisecond);
        }
        network.RunFor(10 * Time.Minute);
        watch.Stop();
        Assert.All(relays, r => Assert.Equal(200, r.Mempool.Count));
        var spreads = submitted.Select(kv => Time.ToSeconds(lastArrival[kv.Key] - kv.Value)).Order().ToList();
        double mean = spreads.Average(), p95 = spreads[(int)(spreads.Count * 0.95)];
        output.WriteLine($"{kind}: time until all 50 nodes have a tx: mean {mean:F2} s, p95 {p95:F2} s; simulated in {watch.ElapsedMilliseconds} ms");
        return (mean, p95);
    }

    [Fact]
    public void Policies_FiftyNodes_FloodFastestAndAllBounded()
    {
        var flood = Measure(RelayPolicyKind.Flood);
        var diffusion = Measure(RelayPolicyKind.Diffusion);
        var dandelion = Measure(RelayPolicyKind.Dandelion);
        // Flooding: a few hops of 50 ms links plus 200 ms each, well under the 2 s diffusion mean per hop.
        Assert.True(flood.P95 < 3.0, $"flood p95 {flood.P95}");
        Assert.True(flood.Mean < diffusion.Mean && flood.Mean < dandelion.Mean);
        // Dandelion's stem hops are pushed at once (50 ms), and the upstream stem nodes join the fluff when they see
        // it announced, so it stays in diffusion's range rather than adding the embargo to every transaction.
        Assert.True(diffusion.P95 < 30 && dandelion.P95 < 30, $"p95 diffusion {diffusion.P95}, dandelion {dandelion.P95}");
    }
}

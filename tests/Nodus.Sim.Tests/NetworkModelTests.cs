using Nodus.Core;
using Nodus.Sim.Network;
using Xunit;

namespace Nodus.Sim.Tests;

public class NetworkModelTests
{
    [Fact]
    public void RegionModel_Latency_MeanMatchesMeasuredMatrix()
    {
        var data = RegionData.Load("2019");
        var model = new RegionModel(data, 10_000, new Random(1));
        int a = Enumerable.Range(0, 10_000).First(v => model.RegionOf(v) == 0); // North America
        int b = Enumerable.Range(0, 10_000).First(v => model.RegionOf(v) == 1); // Europe
        var random = new Random(2);
        double mean = Enumerable.Range(0, 50_000).Average(_ => model.Latency(a, b, 0, random)) / Time.Millisecond;
        Assert.InRange(mean, data.LatencyMs[0][1] * 0.97, data.LatencyMs[0][1] * 1.03);
    }

    [Fact]
    public void RegionModel_Placement_FollowsRegionShares()
    {
        var data = RegionData.Load("2019");
        var model = new RegionModel(data, 100_000, new Random(4));
        double europe = Enumerable.Range(0, 100_000).Count(v => model.RegionOf(v) == 1) / 100_000.0;
        Assert.InRange(europe, data.RegionShare[1] - 0.01, data.RegionShare[1] + 0.01);
    }

    [Fact]
    public void SynchronousModel_Latency_NeverExceedsBound()
    {
        var model = new SynchronousModel(100 * Time.Millisecond, 20 * Time.Millisecond, UniformBandwidth.Default);
        var random = new Random(1);
        for (int i = 0; i < 10_000; i++) Assert.InRange(model.Latency(0, 1, 0, random), 20 * Time.Millisecond, 100 * Time.Millisecond);
    }

    [Fact]
    public void PartiallySynchronousModel_Latency_BoundedOnlyAfterGst()
    {
        long gst = 10 * Time.Second;
        var model = new PartiallySynchronousModel(10 * Time.Millisecond, 100 * Time.Millisecond, gst, 1.1, UniformBandwidth.Default);
        var random = new Random(1);
        var before = Enumerable.Range(0, 10_000).Select(_ => model.Latency(0, 1, 0, random)).ToArray();
        var after = Enumerable.Range(0, 10_000).Select(_ => model.Latency(0, 1, gst, random)).ToArray();
        Assert.Contains(before, l => l > 100 * Time.Millisecond);
        Assert.All(after, l => Assert.InRange(l, 10 * Time.Millisecond, 100 * Time.Millisecond));
    }

    [Fact]
    public void AsynchronousModel_Latency_IsHeavyTailed()
    {
        var model = new AsynchronousModel(10 * Time.Millisecond, 1.5, UniformBandwidth.Default);
        var random = new Random(1);
        var samples = Enumerable.Range(0, 100_000).Select(_ => model.Latency(0, 1, 0, random)).ToArray();
        Assert.All(samples, l => Assert.True(l >= 10 * Time.Millisecond));
        // Pareto(α = 1.5): P(X > 100 x_m) = 100^-1.5 = 0.001, far above any light-tailed model.
        double tail = samples.Count(l => l > Time.Second) / (double)samples.Length;
        Assert.InRange(tail, 0.0005, 0.002);
    }
}

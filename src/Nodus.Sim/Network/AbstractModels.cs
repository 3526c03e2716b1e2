using System.Text.Json;
using Nodus.Core;

namespace Nodus.Sim.Network;

/// <summary>Base of the seeds' three abstract models: one region ("world") and uniform bandwidth.</summary>
public abstract class AbstractNetworkModel : INetworkModel
{
    private static readonly string[] World = ["WORLD"];

    protected AbstractNetworkModel(UniformBandwidth bandwidth) => Bandwidth = bandwidth;

    public UniformBandwidth Bandwidth { get; }
    public abstract string Name { get; }
    public abstract long Latency(int from, int to, long now, Random random);
    public long UploadBitsPerSecond(int node) => Bandwidth.UploadBitsPerSecond;
    public long DownloadBitsPerSecond(int node) => Bandwidth.DownloadBitsPerSecond;
    public int RegionOf(int node) => 0;
    public IReadOnlyList<string> RegionNames => World;

    public void Describe(Utf8JsonWriter json)
    {
        json.WriteString("model", Name);
        DescribeLatency(json);
        Bandwidth.Describe(json);
    }

    protected abstract void DescribeLatency(Utf8JsonWriter json);
}

/// <summary>
/// Synchronous: every message arrives within a known bound Δ. Latency is uniform in [min, Δ] (min = Δ by default,
/// i.e. every message takes exactly Δ).
/// </summary>
public sealed class SynchronousModel(long bound, long minimum, UniformBandwidth bandwidth) : AbstractNetworkModel(bandwidth)
{
    public long Bound { get; } = bound;
    public long Minimum { get; } = Math.Min(minimum, bound);
    public override string Name => "synchronous";

    public override long Latency(int from, int to, long now, Random random) =>
        Minimum == Bound ? Bound : (long)Distributions.Uniform(random, Minimum, Bound);

    protected override void DescribeLatency(Utf8JsonWriter json)
    {
        json.WriteNumber("minLatencyMs", Minimum / (double)Time.Millisecond);
        json.WriteNumber("boundMs", Bound / (double)Time.Millisecond);
    }
}

/// <summary>
/// Partially synchronous (Dwork, Lynch, Stockmeyer): before the global stabilisation time (GST) latencies are
/// heavy-tailed and unbounded; from GST on every message takes between δ and Δ, a bound the nodes do not know.
/// </summary>
public sealed class PartiallySynchronousModel(long minimum, long bound, long gst, double preGstShape, UniformBandwidth bandwidth)
    : AbstractNetworkModel(bandwidth)
{
    public override string Name => "partially-synchronous";

    public override long Latency(int from, int to, long now, Random random) => now >= gst
        ? (long)Distributions.Uniform(random, minimum, bound)
        : (long)Math.Min(Distributions.Pareto(random, minimum, preGstShape), long.MaxValue / 4);

    protected override void DescribeLatency(Utf8JsonWriter json)
    {
        json.WriteNumber("minLatencyMs", minimum / (double)Time.Millisecond);
        json.WriteNumber("boundMs", bound / (double)Time.Millisecond);
        json.WriteNumber("gstSeconds", gst / (double)Time.Second);
        json.WriteNumber("preGstParetoShape", preGstShape);
    }
}

/// <summary>
/// Asynchronous: no bound at all. Latency is Pareto (heavy-tailed): minimum x_m, tail index α; α ≤ 2 gives an
/// infinite variance, α ≤ 1 an infinite mean.
/// </summary>
public sealed class AsynchronousModel(long minimum, double shape, UniformBandwidth bandwidth) : AbstractNetworkModel(bandwidth)
{
    /// <summary>Caps one sample at a simulated day so a single draw cannot overflow the clock.</summary>
    public static readonly long MaxSample = Time.Day;

    public override string Name => "asynchronous";

    public override long Latency(int from, int to, long now, Random random) =>
        (long)Math.Min(Distributions.Pareto(random, minimum, shape), MaxSample);

    protected override void DescribeLatency(Utf8JsonWriter json)
    {
        json.WriteNumber("minLatencyMs", minimum / (double)Time.Millisecond);
        json.WriteNumber("paretoShape", shape);
    }
}

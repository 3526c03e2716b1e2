using System.Text.Json;

namespace Nodus.Sim.Network;

/// <summary>
/// The modelled underlay: how long a message's first bit takes from one node to another, and each node's link
/// speeds. Transmission time (size over bandwidth) and upload queueing are added by the runtime.
/// </summary>
public interface INetworkModel
{
    string Name { get; }

    /// <summary>One-way propagation latency in microseconds of a message sent at <paramref name="now"/>.</summary>
    long Latency(int from, int to, long now, Random random);

    /// <summary>Upload speed of <paramref name="node"/> in bits per second; 0 means unlimited.</summary>
    long UploadBitsPerSecond(int node);

    /// <summary>Download speed of <paramref name="node"/> in bits per second; 0 means unlimited.</summary>
    long DownloadBitsPerSecond(int node);

    /// <summary>The node's region index (0 when the model has no regions).</summary>
    int RegionOf(int node);

    IReadOnlyList<string> RegionNames { get; }

    void Describe(Utf8JsonWriter json);
}

/// <summary>The same link speeds for every node, for the abstract (non-region) models.</summary>
public readonly record struct UniformBandwidth(long UploadBitsPerSecond, long DownloadBitsPerSecond)
{
    /// <summary>Default for the abstract models: 20 Mbit/s both ways, a mid-range 2019 figure from internet-regions.json.</summary>
    public static readonly UniformBandwidth Default = new(20_000_000, 20_000_000);

    public void Describe(Utf8JsonWriter json)
    {
        json.WriteNumber("uploadBitsPerSecond", UploadBitsPerSecond);
        json.WriteNumber("downloadBitsPerSecond", DownloadBitsPerSecond);
    }
}

/// <summary>Samplers shared by the models; each takes the runtime's seeded Random so runs replay.</summary>
public static class Distributions
{
    /// <summary>Pareto with minimum <paramref name="scale"/> and tail index <paramref name="shape"/> (heavier when smaller).</summary>
    public static double Pareto(Random random, double scale, double shape)
    {
        double u = 1.0 - random.NextDouble(); // in (0, 1]: never divides by zero
        return scale / Math.Pow(u, 1.0 / shape);
    }

    public static double Uniform(Random random, double min, double max) => min + (max - min) * random.NextDouble();
}

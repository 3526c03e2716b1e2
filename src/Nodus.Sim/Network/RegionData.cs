using System.Text.Json;

namespace Nodus.Sim.Network;

/// <summary>
/// Measured figures per world region (internet-regions.json, as published with SimBlock): one-way latency between
/// regions, per-region bandwidth, the share of Bitcoin nodes per region, and Bitcoin's outbound-degree distribution.
/// Embedded in the assembly so a clean clone runs without the shared data folder.
/// </summary>
public sealed class RegionData
{
    private const string ResourceName = "Nodus.Sim.Data.internet-regions.json";

    public required IReadOnlyList<string> Regions { get; init; }
    public required string Year { get; init; }
    /// <summary>Mean one-way latency in milliseconds, [from][to].</summary>
    public required double[][] LatencyMs { get; init; }
    public required long[] UploadBps { get; init; }
    public required long[] DownloadBps { get; init; }
    public required double[] RegionShare { get; init; }
    /// <summary>P(outbound links ≤ i + 1), Miller et al. 2015.</summary>
    public required double[] OutboundDegreeCdf { get; init; }

    public static RegionData Load(string year = "2019")
    {
        using var stream = typeof(RegionData).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"embedded resource {ResourceName} is missing");
        using var doc = JsonDocument.Parse(stream);
        var root = doc.RootElement;
        if (!root.TryGetProperty(year, out var y))
            throw new ArgumentException($"internet-regions.json has no year {year} (have 2015, 2019)");
        var regions = root.GetProperty("regions").EnumerateArray().Select(e => e.GetString()!).ToArray();
        var data = new RegionData
        {
            Regions = regions,
            Year = year,
            LatencyMs = y.GetProperty("latencyMs").EnumerateArray()
                .Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray(),
            UploadBps = y.GetProperty("uploadBps").EnumerateArray().Select(v => v.GetInt64()).ToArray(),
            DownloadBps = y.GetProperty("downloadBps").EnumerateArray().Select(v => v.GetInt64()).ToArray(),
            RegionShare = y.GetProperty("regionShare").EnumerateArray().Select(v => v.GetDouble()).ToArray(),
            OutboundDegreeCdf = root.GetProperty("outboundDegreeCdf").EnumerateArray().Select(v => v.GetDouble()).ToArray(),
        };
        if (data.LatencyMs.Length != regions.Length || data.RegionShare.Length != regions.Length
            || data.UploadBps.Length < regions.Length || data.DownloadBps.Length < regions.Length)
            throw new InvalidDataException("internet-regions.json: array sizes do not match the region list");
        return data;
    }
}

using System.Text.Json;
using Nodus.Core;

namespace Nodus.Sim.Network;

/// <summary>
/// SimBlock's region model: each node is placed in a region with the measured probability; a message's latency is
/// Pareto-distributed with the measured inter-region mean (shape 0.2·mean, scale mean − 5 ms, whose mean is exactly
/// the matrix entry, as SimBlock draws it); bandwidth is the region's upload for the sender and download for the
/// receiver. The matrix's separate "inter-regional" bandwidth entry is not applied, as in SimBlock's transmission time.
/// </summary>
public sealed class RegionModel : INetworkModel
{
    /// <summary>SimBlock subtracts 5 ms from the mean to get the Pareto scale (its minimum latency).</summary>
    private const double ScaleOffsetMs = 5;
    /// <summary>SimBlock's shape is 0.2 × mean in ms.</summary>
    private const double ShapePerMs = 0.2;

    private readonly byte[] _region;
    private readonly double[][] _shape;
    private readonly double[][] _scaleUs;

    public RegionModel(RegionData data, int nodes, Random placement)
    {
        Data = data;
        _region = new byte[nodes];
        var cdf = new double[data.RegionShare.Length];
        double total = data.RegionShare.Sum(), acc = 0;
        for (int r = 0; r < cdf.Length; r++) cdf[r] = acc += data.RegionShare[r] / total;
        for (int i = 0; i < nodes; i++)
        {
            double u = placement.NextDouble();
            int r = 0;
            while (r < cdf.Length - 1 && u >= cdf[r]) r++;
            _region[i] = (byte)r;
        }
        int n = data.Regions.Count;
        _shape = new double[n][];
        _scaleUs = new double[n][];
        for (int a = 0; a < n; a++)
        {
            _shape[a] = new double[n];
            _scaleUs[a] = new double[n];
            for (int b = 0; b < n; b++)
            {
                double mean = data.LatencyMs[a][b];
                _shape[a][b] = ShapePerMs * mean;
                _scaleUs[a][b] = Math.Max(mean - ScaleOffsetMs, 1) * Time.Millisecond;
            }
        }
    }

    public RegionData Data { get; }
    public string Name => "regions";
    public IReadOnlyList<string> RegionNames => Data.Regions;
    public int RegionOf(int node) => _region[node];

    public long Latency(int from, int to, long now, Random random)
    {
        int a = _region[from], b = _region[to];
        return (long)Math.Min(Distributions.Pareto(random, _scaleUs[a][b], _shape[a][b]), AsynchronousModel.MaxSample);
    }

    public long UploadBitsPerSecond(int node) => Data.UploadBps[_region[node]];
    public long DownloadBitsPerSecond(int node) => Data.DownloadBps[_region[node]];

    public void Describe(Utf8JsonWriter json)
    {
        json.WriteString("model", Name);
        json.WriteString("year", Data.Year);
        json.WriteStartArray("regions");
        foreach (var r in Data.Regions) json.WriteStringValue(r);
        json.WriteEndArray();
        json.WriteStartArray("nodesPerRegion");
        var counts = new int[Data.Regions.Count];
        foreach (var r in _region) counts[r]++;
        foreach (var c in counts) json.WriteNumberValue(c);
        json.WriteEndArray();
    }
}

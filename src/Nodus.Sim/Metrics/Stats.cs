namespace Nodus.Sim.Metrics;

/// <summary>Order statistics over a sample (nearest-rank percentiles), computed once from a sorted copy.</summary>
public sealed class Stats
{
    private readonly double[] _sorted;

    public Stats(IEnumerable<double> values)
    {
        _sorted = values.ToArray();
        Array.Sort(_sorted);
        Count = _sorted.Length;
        if (Count == 0) return;
        double sum = 0;
        foreach (double v in _sorted) sum += v;
        Mean = sum / Count;
        double sq = 0;
        foreach (double v in _sorted) sq += (v - Mean) * (v - Mean);
        StdDev = Math.Sqrt(sq / Count);
    }

    public int Count { get; }
    public double Mean { get; }
    public double StdDev { get; }
    public double Min => Count == 0 ? double.NaN : _sorted[0];
    public double Max => Count == 0 ? double.NaN : _sorted[^1];
    public ReadOnlySpan<double> Sorted => _sorted;

    /// <summary>Nearest-rank percentile, <paramref name="p"/> in [0, 100].</summary>
    public double Percentile(double p)
    {
        if (Count == 0) return double.NaN;
        int rank = (int)Math.Ceiling(p / 100.0 * Count);
        return _sorted[Math.Clamp(rank - 1, 0, Count - 1)];
    }

    /// <summary>Counts per bin of equal width over [min, max].</summary>
    public (double Start, double Width, int[] Counts) Histogram(int bins)
    {
        var counts = new int[bins];
        if (Count == 0) return (0, 0, counts);
        double width = Max > Min ? (Max - Min) / bins : 1;
        foreach (double v in _sorted) counts[Math.Min((int)((v - Min) / width), bins - 1)]++;
        return (Min, width, counts);
    }
}

using Nodus.Core;

namespace Nodus.Sim.Metrics;

/// <summary>
/// How one item spread: coverage of the live nodes, the delays to reach 50/90/100% of them, the distribution of
/// arrival delays, the coverage curve, and fairness (spread of delays among nodes of the same bandwidth class).
/// </summary>
public sealed class PropagationSummary
{
    /// <summary>Points on the coverage curve stored in the report (enough for a smooth chart, small file).</summary>
    public const int CurvePoints = 100;
    public const int HistogramBins = 30;

    public required string Key { get; init; }
    public required int Source { get; init; }
    public required int LiveNodes { get; init; }
    public required int Reached { get; init; }
    public double Coverage => LiveNodes == 0 ? 0 : Reached / (double)LiveNodes;
    /// <summary>Milliseconds after the origin; null when that share was never reached.</summary>
    public double? Time50Ms { get; init; }
    public double? Time90Ms { get; init; }
    public double? Time100Ms { get; init; }
    public required Stats DelayMs { get; init; }
    /// <summary>(milliseconds, fraction of live nodes reached).</summary>
    public required IReadOnlyList<(double Ms, double Fraction)> Curve { get; init; }
    public required IReadOnlyList<FairnessClass> Fairness { get; init; }

    /// <param name="bandwidthClass">Groups nodes of equal bandwidth (for fairness); e.g. the region.</param>
    public static PropagationSummary Of(BroadcastTracker.Item item, Func<int, bool> isLive, Func<int, int> bandwidthClass,
        IReadOnlyList<string> classNames)
    {
        var delays = new List<double>();
        var perClass = new List<double>[classNames.Count];
        for (int c = 0; c < perClass.Length; c++) perClass[c] = [];
        int live = 0;
        for (int v = 0; v < item.Arrival.Length; v++)
        {
            if (!isLive(v)) continue;
            live++;
            if (item.Arrival[v] == Time.Never || v == item.Source) continue;
            double ms = (item.Arrival[v] - item.Origin) / (double)Time.Millisecond;
            delays.Add(ms);
            perClass[bandwidthClass(v)].Add(ms);
        }
        var stats = new Stats(delays);
        int reached = delays.Count + (item.Source >= 0 && isLive(item.Source) ? 1 : 0);
        // Delay until `share` of the live nodes hold the item (the source counts, at delay 0).
        double? TimeTo(double share)
        {
            int needed = (int)Math.Ceiling(share * live);
            if (needed > reached) return null;
            int offset = reached - delays.Count; // the source
            int index = needed - offset;
            return index <= 0 ? 0 : stats.Sorted[index - 1];
        }
        var curve = new List<(double, double)>();
        if (live > 0)
        {
            var sorted = stats.Sorted;
            int offset = reached - delays.Count;
            for (int k = 1; k <= CurvePoints; k++)
            {
                int needed = (int)Math.Ceiling(k / (double)CurvePoints * live);
                int index = needed - offset;
                if (needed > reached) break;
                curve.Add((index <= 0 ? 0 : sorted[index - 1], needed / (double)live));
            }
        }
        var fairness = new List<FairnessClass>();
        for (int c = 0; c < perClass.Length; c++)
            if (perClass[c].Count > 0) fairness.Add(new FairnessClass(classNames[c], new Stats(perClass[c])));
        return new PropagationSummary
        {
            Key = item.Key,
            Source = item.Source,
            LiveNodes = live,
            Reached = reached,
            Time50Ms = TimeTo(0.5),
            Time90Ms = TimeTo(0.9),
            Time100Ms = TimeTo(1.0),
            DelayMs = stats,
            Curve = curve,
            Fairness = fairness,
        };
    }
}

/// <summary>Arrival delays pooled over many items (every transaction of a run), overall and per bandwidth class.</summary>
public static class PooledDelays
{
    public static (Stats All, IReadOnlyList<FairnessClass> PerClass) Of(IEnumerable<BroadcastTracker.Item> items,
        Func<int, bool> isLive, Func<int, int> bandwidthClass, IReadOnlyList<string> classNames)
    {
        var all = new List<double>();
        var perClass = new List<double>[classNames.Count];
        for (int c = 0; c < perClass.Length; c++) perClass[c] = [];
        foreach (var item in items)
            for (int v = 0; v < item.Arrival.Length; v++)
            {
                if (v == item.Source || item.Arrival[v] == Time.Never || !isLive(v)) continue;
                double ms = (item.Arrival[v] - item.Origin) / (double)Time.Millisecond;
                all.Add(ms);
                perClass[bandwidthClass(v)].Add(ms);
            }
        var fairness = new List<FairnessClass>();
        for (int c = 0; c < perClass.Length; c++)
            if (perClass[c].Count > 0) fairness.Add(new FairnessClass(classNames[c], new Stats(perClass[c])));
        return (new Stats(all), fairness);
    }
}

/// <summary>Arrival delays of the nodes in one bandwidth class: a narrow spread is a fair protocol.</summary>
public sealed record FairnessClass(string Name, Stats DelayMs);

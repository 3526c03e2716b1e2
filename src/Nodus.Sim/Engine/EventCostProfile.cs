using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Nodus.Sim.Engine;

/// <summary>
/// Where a run's time goes, by what the event was: a delivered message by its command, a timer, a connection step, a
/// workload action by its type. Each event is timed with the monotonic clock around its handling, including the
/// node's outputs it produced and any garbage collection it triggered, so the rows add up to the run's event loop.
/// Opt-in (<c>nodus sim --profile</c>): timing costs two clock reads and a lookup per event.
/// </summary>
public sealed class EventCostProfile
{
    private readonly Dictionary<string, (long Count, long Ticks)> _rows = new(StringComparer.Ordinal);

    internal static long Start() => Stopwatch.GetTimestamp();

    internal void Stop(string what, long start)
    {
        long ticks = Stopwatch.GetTimestamp() - start;
        ref var row = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_rows, what, out _);
        row = (row.Count + 1, row.Ticks + ticks);
    }

    /// <summary>The rows, costliest first: what, events, total seconds, microseconds per event.</summary>
    public IEnumerable<(string What, long Events, double Seconds, double MicrosecondsEach)> Rows =>
        _rows.OrderByDescending(r => r.Value.Ticks).ThenBy(r => r.Key, StringComparer.Ordinal).Select(r =>
        {
            double seconds = (double)r.Value.Ticks / Stopwatch.Frequency;
            return (r.Key, r.Value.Count, seconds, seconds * 1e6 / r.Value.Count);
        });

    /// <summary>A plain-text table of <see cref="Rows"/> with a total line.</summary>
    public string Format(string prefix)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{prefix}{"event",-24} {"count",12} {"seconds",9} {"µs each",9}\n");
        long events = 0;
        double seconds = 0;
        foreach (var (what, count, s, each) in Rows)
        {
            text.Append(CultureInfo.InvariantCulture, $"{prefix}{what,-24} {count,12:N0} {s,9:F2} {each,9:F2}\n");
            events += count;
            seconds += s;
        }
        text.Append(CultureInfo.InvariantCulture, $"{prefix}{"total",-24} {events,12:N0} {seconds,9:F2} {seconds * 1e6 / Math.Max(1, events),9:F2}");
        return text.ToString();
    }
}

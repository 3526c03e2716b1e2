using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Nodus.Sim.Engine;

/// <summary>
/// Where a run's time and allocations go, by what the event was: a delivered message by its command, a timer, a
/// connection step, a workload action by its type. Each event is timed with the monotonic clock around its handling,
/// including the node's outputs it produced and any garbage collection it triggered, so the rows add up to the run's
/// event loop; the bytes are those the event loop's thread allocated meanwhile (what the collector must later clean).
/// Opt-in (<c>nodus sim --profile</c>): it costs two clock reads, two allocation-counter reads and a lookup per event.
/// </summary>
public sealed class EventCostProfile
{
    private readonly Dictionary<string, (long Count, long Ticks, long Bytes)> _rows = new(StringComparer.Ordinal);
    private long _startTicks, _startBytes;

    internal void Start()
    {
        _startBytes = GC.GetAllocatedBytesForCurrentThread();
        _startTicks = Stopwatch.GetTimestamp();
    }

    internal void Stop(string what)
    {
        long ticks = Stopwatch.GetTimestamp() - _startTicks;
        long bytes = GC.GetAllocatedBytesForCurrentThread() - _startBytes;
        ref var row = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_rows, what, out _);
        row = (row.Count + 1, row.Ticks + ticks, row.Bytes + bytes);
    }

    /// <summary>The rows, costliest first: what, events, total seconds, microseconds and bytes allocated per event.</summary>
    public IEnumerable<(string What, long Events, double Seconds, double MicrosecondsEach, double BytesEach)> Rows =>
        _rows.OrderByDescending(r => r.Value.Ticks).ThenBy(r => r.Key, StringComparer.Ordinal).Select(r =>
        {
            double seconds = (double)r.Value.Ticks / Stopwatch.Frequency;
            return (r.Key, r.Value.Count, seconds, seconds * 1e6 / r.Value.Count, (double)r.Value.Bytes / r.Value.Count);
        });

    /// <summary>Bytes the event loop's thread allocated over all events.</summary>
    public long BytesAllocated => _rows.Values.Sum(r => r.Bytes);

    /// <summary>A plain-text table of <see cref="Rows"/> with a total line.</summary>
    public string Format(string prefix)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{prefix}{"event",-24} {"count",12} {"seconds",9} {"µs each",9} {"MB alloc",9} {"B each",9}\n");
        long events = 0;
        double seconds = 0;
        foreach (var (what, count, s, each, bytes) in Rows)
        {
            text.Append(CultureInfo.InvariantCulture, $"{prefix}{what,-24} {count,12:N0} {s,9:F2} {each,9:F2} {bytes * count / 1e6,9:F1} {bytes,9:F0}\n");
            events += count;
            seconds += s;
        }
        long total = BytesAllocated;
        text.Append(CultureInfo.InvariantCulture, $"{prefix}{"total",-24} {events,12:N0} {seconds,9:F2} {seconds * 1e6 / Math.Max(1, events),9:F2} {total / 1e6,9:F1} {(double)total / Math.Max(1, events),9:F0}");
        return text.ToString();
    }
}

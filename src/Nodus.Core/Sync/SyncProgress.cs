using System.Globalization;

namespace Nodus.Core.Sync;

/// <summary>One progress figure: validated height against the best header, the recent rate and the time left.</summary>
/// <param name="BlocksPerSecond">Blocks validated per second over the meter's window; 0 until two samples exist.</param>
/// <param name="Remaining">Time left at that rate in microseconds; null while the rate is unknown or zero.</param>
public readonly record struct SyncProgress(int Height, int BestHeader, double BlocksPerSecond, long? Remaining)
{
    public bool IsBehind => BestHeader > Height;

    /// <summary>Share of the best header's height validated, 0–100.</summary>
    public double Percent => BestHeader <= 0 ? 100 : Math.Clamp(100.0 * Height / BestHeader, 0, 100);

    /// <summary>"sync: height H of N (P%), X blocks/s, ~T left": the log line and the terminal line.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"sync: height {Height} of {BestHeader} ({Percent:F1}%), {BlocksPerSecond:F0} blocks/s, ~{FormatDuration(Remaining)} left");

    /// <summary>"1h02m", "3m05s", "12s", or "?" when unknown.</summary>
    public static string FormatDuration(long? micros)
    {
        if (micros is not { } m) return "?";
        long s = Math.Max(0, (m + Time.Second / 2) / Time.Second);
        return s >= 3600 ? $"{s / 3600}h{s % 3600 / 60:D2}m" : s >= 60 ? $"{s / 60}m{s % 60:D2}s" : $"{s}s";
    }
}

/// <summary>
/// The arithmetic behind sync progress: fed (now, height, best header) samples, it reports the rate over a sliding
/// window of recent samples — so a burst or a pause moves the estimate smoothly — and the time left at that rate.
/// Pure: the caller supplies the time.
/// </summary>
public sealed class SyncProgressMeter
{
    /// <summary>Rate over the last 30 samples: half a minute at the runtime's one sample a second.</summary>
    public const int DefaultWindow = 30;

    private readonly Queue<(long Time, int Height)> _samples = new();
    private readonly int _window;
    private (long Time, int Height) _last;

    public SyncProgressMeter(int window = DefaultWindow)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 2);
        _window = window;
    }

    public SyncProgress Sample(long now, int height, int bestHeader)
    {
        // A reorganisation (height going down) or a clock step back makes old samples meaningless.
        if (_samples.Count > 0 && (height < _last.Height || now < _last.Time)) _samples.Clear();
        _last = (now, height);
        _samples.Enqueue(_last);
        while (_samples.Count > _window) _samples.Dequeue();

        var (t0, h0) = _samples.Peek();
        double seconds = Time.ToSeconds(now - t0);
        double rate = seconds > 0 ? (height - h0) / seconds : 0;
        int left = Math.Max(0, bestHeader - height);
        long? remaining = left == 0 ? 0 : rate > 0 ? (long)(left / rate * Time.Second) : null;
        return new SyncProgress(height, bestHeader, rate, remaining);
    }
}

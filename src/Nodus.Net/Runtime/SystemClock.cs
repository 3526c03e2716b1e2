namespace Nodus.Net.Runtime;

/// <summary>The real runtime's clock: microseconds since the Unix epoch, as the core's <c>now</c> expects.</summary>
public static class SystemClock
{
    private static readonly long EpochTicks = DateTime.UnixEpoch.Ticks;

    public static long Now() => (DateTime.UtcNow.Ticks - EpochTicks) / TimeSpan.TicksPerMicrosecond;
}

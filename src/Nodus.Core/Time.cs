namespace Nodus.Core;

/// <summary>
/// Time in the core is a <c>long</c> count of microseconds since the Unix epoch, handed in by the runtime: the real
/// runtime reads the system clock, the simulator its virtual clock. The core never reads a clock itself.
/// </summary>
public static class Time
{
    public const long Millisecond = 1_000;
    public const long Second = 1_000_000;
    public const long Minute = 60 * Second;
    public const long Hour = 60 * Minute;
    public const long Day = 24 * Hour;

    /// <summary>A deadline that never comes.</summary>
    public const long Never = long.MaxValue;

    public static long FromUnixSeconds(long seconds) => seconds * Second;
    public static long ToUnixSeconds(long now) => now / Second;
    public static double ToSeconds(long duration) => duration / (double)Second;
    public static long FromSeconds(double seconds) => (long)(seconds * Second);
}

using Nodus.Core.Sync;
using Xunit;

namespace Nodus.Core.Tests.Sync;

public sealed class SyncProgressMeterTests
{
    private const long T0 = 1_700_000_000 * Time.Second;

    [Fact]
    public void Sample_FirstSample_RateUnknown()
    {
        var p = new SyncProgressMeter().Sample(T0, 100, 1_000);
        Assert.Equal(0, p.BlocksPerSecond);
        Assert.Null(p.Remaining);
        Assert.True(p.IsBehind);
        Assert.Equal(10, p.Percent, 6);
        Assert.Equal("sync: height 100 of 1000 (10.0%), 0 blocks/s, ~? left", p.ToString());
    }

    [Fact]
    public void Sample_SteadyRate_RateAndTimeLeft()
    {
        var meter = new SyncProgressMeter();
        SyncProgress p = default;
        for (int s = 0; s <= 10; s++) p = meter.Sample(T0 + s * Time.Second, 200 * s, 10_000);
        Assert.Equal(200, p.BlocksPerSecond, 6);
        Assert.Equal(40 * Time.Second, p.Remaining); // 8,000 blocks left at 200/s
        Assert.Equal("sync: height 2000 of 10000 (20.0%), 200 blocks/s, ~40s left", p.ToString());
    }

    [Fact]
    public void Sample_OldSamplesLeaveTheWindow_RateFollowsRecentSpeed()
    {
        var meter = new SyncProgressMeter(window: 5);
        int height = 0;
        for (int s = 0; s < 10; s++) meter.Sample(T0 + s * Time.Second, height += 1_000, 100_000);
        SyncProgress p = default;
        for (int s = 10; s < 20; s++) p = meter.Sample(T0 + s * Time.Second, height += 10, 100_000);
        Assert.Equal(10, p.BlocksPerSecond, 6);
    }

    [Fact]
    public void Sample_HeightGoesDown_WindowRestarts()
    {
        var meter = new SyncProgressMeter();
        meter.Sample(T0, 500, 1_000);
        var p = meter.Sample(T0 + Time.Second, 400, 1_000);
        Assert.Equal(0, p.BlocksPerSecond);
        Assert.Null(p.Remaining);
    }

    [Fact]
    public void Sample_CaughtUp_NothingLeft()
    {
        var p = new SyncProgressMeter().Sample(T0, 1_000, 1_000);
        Assert.False(p.IsBehind);
        Assert.Equal(0, p.Remaining);
        Assert.Equal(100, p.Percent);
    }

    [Theory]
    [InlineData(0L, "0s")]
    [InlineData(59L, "59s")]
    [InlineData(185L, "3m05s")]
    [InlineData(3_720L, "1h02m")]
    public void FormatDuration_Seconds_ShortForm(long seconds, string expected) =>
        Assert.Equal(expected, SyncProgress.FormatDuration(seconds * Time.Second));
}

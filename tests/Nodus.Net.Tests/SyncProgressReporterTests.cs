using Xunit;

namespace Nodus.Net.Tests;

public sealed class SyncProgressReporterTests
{
    [Fact(Timeout = 30_000)]
    public async Task Reporter_Behind_RedrawsTerminalLineInPlace()
    {
        await using var host = await TestNet.StartHostAsync();
        var terminal = new StringWriter();
        var status = new Runtime.TerminalStatusLine(terminal);
        int height = 10;
        var logs = new ListLoggerFactory();
        await using (var reporter = new Runtime.SyncProgressReporter(host, () => (height, 100), logs.CreateLogger("sync"), status))
        {
            await TestNet.WaitUntilAsync(() => Task.FromResult(reporter.Last is { Height: 10 }), "a first sample");
            await TestNet.WaitUntilAsync(() => Task.FromResult(terminal.ToString().Contains("\rsync: height 10 of 100 (10.0%)", StringComparison.Ordinal)), "the line is drawn");
            // A log line written meanwhile erases the status line first, so it does not run on after it.
            Assert.Equal(Runtime.TerminalStatusLine.Erase, status.ErasePrefix());
            Assert.Equal("", status.ErasePrefix());
            height = 100;
            await TestNet.WaitUntilAsync(() => Task.FromResult(logs.Contains("sync: caught up at height 100")), "caught up is logged");
        }
        Assert.DoesNotContain('\n', terminal.ToString()); // redrawn in place, never scrolled
        Assert.True(logs.Contains("sync: behind, height 10 of 100"));
    }

    [Fact(Timeout = 30_000)]
    public async Task Reporter_NoTerminal_LogsProgressLines()
    {
        await using var host = await TestNet.StartHostAsync();
        var logs = new ListLoggerFactory();
        await using (new Runtime.SyncProgressReporter(host, () => (250, 1_000), logs.CreateLogger("sync"), terminal: null))
            await TestNet.WaitUntilAsync(() => Task.FromResult(logs.Contains("sync: height 250 of 1000 (25.0%)")), "a progress line is logged");
    }
}

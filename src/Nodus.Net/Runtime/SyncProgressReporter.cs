using Microsoft.Extensions.Logging;
using Nodus.Core.Sync;

namespace Nodus.Net.Runtime;

/// <summary>
/// Shows how far a node is behind while it syncs: once a second it samples the validated height and the best
/// header on the event loop; on a terminal it redraws one line in place, otherwise it logs a progress line every
/// <see cref="LogInterval"/>. It says when the node has caught up.
/// </summary>
public sealed class SyncProgressReporter : IAsyncDisposable
{
    /// <summary>How often the terminal line is redrawn (and the figures sampled).</summary>
    public static readonly TimeSpan SampleInterval = TimeSpan.FromSeconds(1);

    /// <summary>How often a progress line goes to the log while syncing (Bitcoin Core logs every block; that is too chatty at thousands a second).</summary>
    public static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(10);

    private readonly NodeHost _host;
    private readonly Func<(int Height, int BestHeader)> _figures;
    private readonly ILogger _logger;
    private readonly TerminalStatusLine? _terminal;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly SyncProgressMeter _meter = new();

    /// <param name="figures">Read on the event loop: the validated height and the best header's height.</param>
    /// <param name="terminal">Where to redraw the progress line in place; null when output is not a terminal.</param>
    public SyncProgressReporter(NodeHost host, Func<(int Height, int BestHeader)> figures, ILogger logger, TerminalStatusLine? terminal)
    {
        _host = host;
        _figures = figures;
        _logger = logger;
        _terminal = terminal;
        _loop = RunAsync(_stop.Token);
    }

    /// <summary>The last figures reported (for tests and RPC-free checks).</summary>
    public SyncProgress? Last { get; private set; }

    private async Task RunAsync(CancellationToken cancel)
    {
        bool behind = false;
        long? lastLog = null;
        using var timer = new PeriodicTimer(SampleInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancel).ConfigureAwait(false))
            {
                var (progress, now) = await _host.InvokeAsync((_, now) =>
                {
                    var (height, best) = _figures();
                    return (_meter.Sample(now, height, best), now);
                }).WaitAsync(cancel).ConfigureAwait(false);
                Last = progress;
                if (progress.IsBehind)
                {
                    if (!behind) Info($"sync: behind, height {progress.Height} of {progress.BestHeader}");
                    behind = true;
                    if (_terminal is not null) await _terminal.ShowAsync(progress.ToString(), cancel).ConfigureAwait(false);
                    else if (lastLog is not { } last || now - last >= (long)LogInterval.TotalMicroseconds)
                    {
                        Info(progress.ToString());
                        lastLog = now;
                    }
                }
                else if (behind)
                {
                    behind = false;
                    if (_terminal is not null) await _terminal.ClearAsync().ConfigureAwait(false);
                    Info($"sync: caught up at height {progress.Height}");
                }
            }
        }
        catch (OperationCanceledException) { }
        catch (ObjectDisposedException) { } // the host stopped first
        catch (InvalidOperationException) { } // the host's loop has ended
    }

    private void Info(string line)
    {
        if (_logger.IsEnabled(LogLevel.Information)) _logger.LogInformation("{Line}", line);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}

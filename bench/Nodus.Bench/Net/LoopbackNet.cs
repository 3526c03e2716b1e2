using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Nodus.Core;
using Nodus.Core.Chain;
using Nodus.Core.Relay;
using Nodus.Net.Runtime;

namespace Nodus.Bench.Net;

/// <summary>Regtest daemons on 127.0.0.1 with ephemeral ports and temporary data directories, for the timed loopback benchmarks.</summary>
internal sealed class LoopbackNet : IAsyncDisposable
{
    private readonly List<NodeDaemon> _daemons = [];
    private readonly List<string> _dirs = [];

    public static string NewDir()
    {
        string dir = Path.Combine(Path.GetTempPath(), "nodus-bench", Guid.NewGuid().ToString("n"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Starts a node on <paramref name="dataDir"/> (a new one when null) that dials exactly <paramref name="connect"/>.</summary>
    public async Task<NodeDaemon> StartAsync(IEnumerable<NodeDaemon> connect, RelayOptions? relay = null, string? dataDir = null)
    {
        string dir = dataDir ?? NewDir();
        _dirs.Add(dir);
        var node = new NodeOptions { Connect = [.. connect.Select(d => d.Host.ListenEndPoint!)] };
        var daemon = await NodeDaemon.StartAsync(new NodeDaemonOptions
        {
            DataDir = dir,
            Network = Networks.Regtest,
            Full = new FullNodeOptions { Relay = relay ?? new RelayOptions() },
            Host = new NodeHostOptions { Magic = Networks.Regtest.Magic, Listen = new IPEndPoint(IPAddress.Loopback, 0), Node = node },
        }, NullLoggerFactory.Instance);
        _daemons.Add(daemon);
        return daemon;
    }

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan timeout, int pollMs = 10)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting until {what}");
            await Task.Delay(pollMs);
        }
    }

    public async ValueTask DisposeAsync()
    {
        for (int i = _daemons.Count - 1; i >= 0; i--) await _daemons[i].StopAsync();
        foreach (string dir in _dirs)
        {
            try { Directory.Delete(dir, recursive: true); }
            catch (IOException) { } // a leftover temp directory is harmless
        }
    }
}

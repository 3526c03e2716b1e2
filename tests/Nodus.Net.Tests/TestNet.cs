using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Nodus.Core;
using Nodus.Core.Peers;
using Nodus.Net.Runtime;

namespace Nodus.Net.Tests;

/// <summary>Shared helpers: hosts on 127.0.0.1 with ephemeral ports, bounded waits, a log that tests can read.</summary>
internal static class TestNet
{
    /// <summary>Regtest's magic: what a daemon on regtest (magic taken from its network) speaks.</summary>
    public static readonly uint Magic = Nodus.Core.Chain.Networks.Regtest.Magic;

    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    public static async Task<NodeHost> StartHostAsync(ILoggerFactory? logs = null, Func<NodeOptions, NodeOptions>? node = null,
        Func<NodeHostOptions, NodeHostOptions>? host = null, bool listen = true)
    {
        var options = new NodeHostOptions
        {
            Magic = Magic,
            Listen = listen ? new IPEndPoint(IPAddress.Loopback, 0) : null,
            Node = node?.Invoke(new NodeOptions()) ?? new NodeOptions(),
            RandomSeed = Random.Shared.Next(),
        };
        var nodeHost = new NodeHost(host?.Invoke(options) ?? options, logs ?? new ListLoggerFactory());
        await nodeHost.StartAsync().WaitAsync(Patience);
        return nodeHost;
    }

    /// <summary>Snapshot of the established peers, taken on the node's event loop.</summary>
    public static Task<List<(PeerId Id, IPEndPoint Remote, bool Inbound, long? Ping)>> EstablishedAsync(NodeHost host) =>
        host.InvokeAsync((node, _) => node.Peers.Where(p => p.IsEstablished)
            .Select(p => (p.Id, p.Remote, p.IsInbound, p.LastPingTime)).ToList());

    public static Task<int> PeerCountAsync(NodeHost host) => host.InvokeAsync((node, _) => node.Peers.Count);

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Patience);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting until {what}");
            await Task.Delay(20);
        }
    }

    /// <summary>A free TCP port on 127.0.0.1 (for HttpListener, which cannot bind port 0).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static string TempDir()
    {
        string dir = Path.Combine(Path.GetTempPath(), "nodus-net-tests", Guid.NewGuid().ToString("n"));
        Directory.CreateDirectory(dir);
        return dir;
    }
}

/// <summary>Keeps every log line in memory so tests can check that a reason was logged.</summary>
internal sealed class ListLoggerFactory : ILoggerFactory, ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public bool Contains(string text) => _lines.Any(l => l.Contains(text, StringComparison.Ordinal));

    public ILogger CreateLogger(string categoryName) => new ListLogger(_lines);

    public void AddProvider(ILoggerProvider provider) { }

    public void Dispose() { }

    private sealed class ListLogger(ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{logLevel}: {formatter(state, exception)}");
    }
}

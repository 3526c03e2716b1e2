using System.Net;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Nodus.Core;
using Nodus.Net.Runtime;

namespace Nodus.Bench.Net;

/// <summary>
/// Ping/pong round trips per second between two nodes on loopback, through the whole real runtime: pipe reader,
/// frame decode, input channel, event loop, engine, send queue, pipe writer — on both sides. The pinging node runs
/// its ordinary keep-alive with a ping interval of zero, so each pong immediately triggers the next ping: one
/// round trip in flight at a time, so the figure is 1 / round-trip latency.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 8)]
public class PingPongBenchmarks
{
    private const int RoundTrips = 2_000;
    private const uint Magic = 0x7e57da7a;

    private NodeHost _server = null!;
    private NodeHost _pinger = null!;

    [GlobalSetup]
    public void Setup()
    {
        _server = new NodeHost(new NodeHostOptions { Magic = Magic, Listen = new IPEndPoint(IPAddress.Loopback, 0) }, NullLoggerFactory.Instance);
        _server.StartAsync().GetAwaiter().GetResult();
        _pinger = new NodeHost(new NodeHostOptions
        {
            Magic = Magic,
            Node = new NodeOptions { Connect = [_server.ListenEndPoint!], PingInterval = 0 },
        }, NullLoggerFactory.Instance);
        _pinger.StartAsync().GetAwaiter().GetResult();
        while (PongsReceived() < 10) Thread.Sleep(10);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _pinger.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _server.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(OperationsPerInvoke = RoundTrips)]
    public long RoundTrip()
    {
        long target = PongsReceived() + RoundTrips;
        long pongs;
        while ((pongs = PongsReceived()) < target) Thread.Sleep(1);
        return pongs;
    }

    /// <summary>Pongs the pinger has received (its per-command byte counter over the 32-byte pong frame).</summary>
    private long PongsReceived() => _pinger.InvokeAsync((node, _) =>
        node.Peers.Sum(p => p.Traffic.ReceivedPerCommand.GetValueOrDefault("pong") / 32)).GetAwaiter().GetResult();
}

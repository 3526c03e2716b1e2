using System.Net;
using Nodus.Core;
using Nodus.Net.Runtime;
using Xunit;

namespace Nodus.Net.Tests;

public class NodeHostTests
{
    [Fact(Timeout = 30_000)]
    public async Task Connect_TwoNodes_HandshakeAndMeasurePing()
    {
        await using var a = await TestNet.StartHostAsync();
        await using var b = await TestNet.StartHostAsync(node: o => o with { Connect = [a.ListenEndPoint!] });

        await TestNet.WaitUntilAsync(async () =>
            (await TestNet.EstablishedAsync(a)).Any(p => p.Ping is not null) &&
            (await TestNet.EstablishedAsync(b)).Any(p => p.Ping is not null), "both sides measured a ping");

        var fromA = Assert.Single(await TestNet.EstablishedAsync(a));
        var fromB = Assert.Single(await TestNet.EstablishedAsync(b));
        Assert.True(fromA.Inbound);
        Assert.False(fromB.Inbound);
        Assert.Equal(a.ListenEndPoint, fromB.Remote);
        Assert.True(fromA.Ping > 0);
    }

    [Fact(Timeout = 60_000)]
    public async Task Connect_TenNodesInAStar_AllHandshake()
    {
        await using var hub = await TestNet.StartHostAsync();
        var spokes = new List<NodeHost>();
        try
        {
            for (int i = 0; i < 9; i++)
                spokes.Add(await TestNet.StartHostAsync(node: o => o with { Connect = [hub.ListenEndPoint!] }, listen: false));
            await TestNet.WaitUntilAsync(async () => (await TestNet.EstablishedAsync(hub)).Count == 9, "the hub has 9 established peers");
            foreach (var spoke in spokes)
                await TestNet.WaitUntilAsync(async () => (await TestNet.EstablishedAsync(spoke)).Count == 1, "every spoke is established");
        }
        finally
        {
            foreach (var spoke in spokes) await spoke.DisposeAsync();
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task Connect_TenNodesInAChain_AllHandshake()
    {
        var nodes = new List<NodeHost>();
        try
        {
            nodes.Add(await TestNet.StartHostAsync());
            for (int i = 1; i < 10; i++)
            {
                var previous = nodes[^1].ListenEndPoint!;
                nodes.Add(await TestNet.StartHostAsync(node: o => o with { Connect = [previous] }));
            }
            for (int i = 0; i < nodes.Count; i++)
            {
                int expected = i == 0 || i == nodes.Count - 1 ? 1 : 2;
                var node = nodes[i];
                await TestNet.WaitUntilAsync(async () => (await TestNet.EstablishedAsync(node)).Count == expected, $"node {i} has {expected} peers");
            }
        }
        finally
        {
            foreach (var node in nodes) await node.DisposeAsync();
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task Send_QueueOverLimit_ClosesPeerWithSendQueueFull()
    {
        // A limit below one version message: the inbound side's reply cannot be queued, so it drops the peer.
        var logs = new ListLoggerFactory();
        await using var a = await TestNet.StartHostAsync(logs, host: o => o with { MaxSendQueueBytes = 100 });
        await using var b = await TestNet.StartHostAsync(node: o => o with { Connect = [a.ListenEndPoint!] }, listen: false);

        await TestNet.WaitUntilAsync(() => Task.FromResult(logs.Contains("SendQueueFull")), "the peer was closed for its send queue");
        Assert.Empty(await TestNet.EstablishedAsync(a));
    }

    [Fact(Timeout = 30_000)]
    public async Task Stop_WithPeers_ClosesThemAndRefusesInvocations()
    {
        var a = await TestNet.StartHostAsync();
        await using var b = await TestNet.StartHostAsync(node: o => o with { Connect = [a.ListenEndPoint!] }, listen: false);
        await TestNet.WaitUntilAsync(async () => (await TestNet.EstablishedAsync(b)).Count == 1, "connected");

        await a.StopAsync().WaitAsync(TestNet.Patience);

        await Assert.ThrowsAsync<InvalidOperationException>(() => TestNet.PeerCountAsync(a));
        // The other side sees the connection end (and, being a manual connection, will retry later).
        await TestNet.WaitUntilAsync(async () => await TestNet.PeerCountAsync(b) == 0, "b saw the close");
        await a.DisposeAsync();
    }

    [Fact(Timeout = 30_000)]
    public async Task Invoke_FunctionThrows_ExceptionReachesCallerAndLoopGoesOn()
    {
        await using var a = await TestNet.StartHostAsync();
        await Assert.ThrowsAsync<ArgumentException>(() => a.InvokeAsync<int>((_, _) => throw new ArgumentException("boom")));
        Assert.Equal(0, await TestNet.PeerCountAsync(a));
    }

    [Fact(Timeout = 30_000)]
    public async Task Behaviour_Throws_StepIsLoggedAndNodeGoesOn()
    {
        var logs = new ListLoggerFactory();
        await using var a = await TestNet.StartHostAsync(logs, host: o => o with { Configure = node => node.AddBehaviour(new ThrowingBehaviour()) });
        await using var b = await TestNet.StartHostAsync(node: o => o with { Connect = [a.ListenEndPoint!] }, listen: false);
        await using var c = await TestNet.StartHostAsync(node: o => o with { Connect = [a.ListenEndPoint!] }, listen: false);

        await TestNet.WaitUntilAsync(async () => (await TestNet.EstablishedAsync(a)).Count(p => p.Ping is not null) == 2, "both peers are served");
        Assert.True(logs.Contains("engine step failed"));
    }

    [Fact(Timeout = 30_000)]
    public async Task ResolveSeeds_Localhost_AnswersWithLoopback()
    {
        var seeder = new SeedingBehaviour();
        await using var a = await TestNet.StartHostAsync(host: o => o with { Configure = node => seeder.Attach(node) });
        var addresses = await seeder.Resolved.Task.WaitAsync(TestNet.Patience);
        Assert.Contains(addresses, IPAddress.IsLoopback);
    }

    /// <summary>Asks the runtime to resolve "localhost" (from /etc/hosts, no network) once, at its first timer.</summary>
    private sealed class SeedingBehaviour : Core.INodeBehaviour
    {
        private Core.NodeContext? _context;
        public TaskCompletionSource<IReadOnlyList<IPAddress>> Resolved { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public long NextWakeup { get; private set; }
        public void Attach(Core.Node node) { _context = node.Context; node.AddBehaviour(this); }
        public void OnTimer(long now) { NextWakeup = Time.Never; _context!.ResolveDnsSeeds(["localhost"]); }
        public void OnSeedsResolved(string host, IReadOnlyList<IPAddress> addresses, long now) => Resolved.TrySetResult(addresses);
        public void OnPeerReady(Core.Peers.Peer peer, long now) { }
        public void OnPeerClosed(Core.Peers.Peer peer, long now) { }
        public bool OnMessage(Core.Peers.Peer peer, Wire.Messages.IMessage message, long now) => false;
    }

    private sealed class ThrowingBehaviour : Core.INodeBehaviour
    {
        public long NextWakeup => Time.Never;
        public void OnPeerReady(Core.Peers.Peer peer, long now) => throw new InvalidOperationException("behaviour bug");
        public void OnPeerClosed(Core.Peers.Peer peer, long now) { }
        public bool OnMessage(Core.Peers.Peer peer, Wire.Messages.IMessage message, long now) => false;
        public void OnTimer(long now) { }
    }

    [Fact(Timeout = 30_000)]
    public async Task Accept_OverMaxConnections_RefusesNewcomer()
    {
        var logs = new ListLoggerFactory();
        await using var a = await TestNet.StartHostAsync(logs, host: o => o with { MaxConnections = 1 });
        await using var b = await TestNet.StartHostAsync(node: o => o with { Connect = [a.ListenEndPoint!] }, listen: false);
        await TestNet.WaitUntilAsync(async () => (await TestNet.EstablishedAsync(a)).Count == 1, "the first peer is established");

        using var late = new System.Net.Sockets.TcpClient();
        await late.ConnectAsync(a.ListenEndPoint!);
        await TestNet.WaitUntilAsync(() => Task.FromResult(logs.Contains("refused inbound connection")), "the newcomer is refused");
        Assert.Single(await TestNet.EstablishedAsync(a));
    }

    [Fact(Timeout = 30_000)]
    public async Task Start_ListenAddressTaken_Throws()
    {
        await using var a = await TestNet.StartHostAsync();
        var options = new NodeHostOptions { Magic = TestNet.Magic, Listen = a.ListenEndPoint };
        await using var b = new NodeHost(options, new ListLoggerFactory());
        await Assert.ThrowsAsync<System.Net.Sockets.SocketException>(() => b.StartAsync());
    }

    [Fact]
    public void Clock_Now_IsMicrosecondsSinceEpoch()
    {
        long now = SystemClock.Now();
        long expected = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * Time.Millisecond;
        Assert.InRange(now, expected - Time.Second, expected + Time.Second);
    }

    [Theory]
    [InlineData("1.2.3.4:8333", "1.2.3.4:8333")]
    [InlineData("[::1]:8333", "[::1]:8333")]
    [InlineData("1.2.3.4", "1.2.3.4:9999")]
    [InlineData("::1", "[::1]:9999")]
    public void EndPoints_TryParse_Valid(string text, string expected)
    {
        Assert.True(EndPoints.TryParse(text, 9999, out var endPoint));
        Assert.Equal(IPEndPoint.Parse(expected), endPoint);
    }

    [Theory]
    [InlineData("1.2.3")]
    [InlineData("1.2.3.4:")]
    [InlineData("1.2.3.4:70000")]
    [InlineData("example.com:8333")]
    [InlineData("[::1")]
    [InlineData("1.2.3.4:-1")]
    public void EndPoints_TryParse_Invalid(string text) => Assert.False(EndPoints.TryParse(text, null, out _));
}

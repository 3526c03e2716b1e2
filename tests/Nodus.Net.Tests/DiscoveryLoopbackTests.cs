using System.Net;
using System.Net.Sockets;
using Nodus.Core.Discovery;
using Nodus.Core.Peers;
using Nodus.Net.Runtime;
using Xunit;

namespace Nodus.Net.Tests;

/// <summary>
/// Discovery through the real runtime on loopback: DNS seeding through the host's resolver hook (a local table, never
/// a public resolver), the fall-back to hard-coded seeds, and bans refusing inbound sockets.
/// </summary>
public sealed class DiscoveryLoopbackTests
{
    private static DiscoveryOptions Options(int port) => new() { AllowLocalAddresses = true, DefaultPort = (ushort)port };

    private static Task<NodeHost> StartAsync(IPEndPoint listen, DiscoveryOptions options, Func<string, CancellationToken, Task<IPAddress[]>>? resolve = null) =>
        TestNet.StartHostAsync(host: o => o with
        {
            Listen = listen,
            Configure = node => DiscoveryService.Attach(node, options, new MemoryAddressStore()),
            ResolveHost = resolve ?? ((h, _) => Task.FromException<IPAddress[]>(new SocketException((int)SocketError.HostNotFound))),
        });

    private static Task<bool> HasOutboundFullRelayTo(NodeHost host, IPEndPoint target) =>
        host.InvokeAsync((node, _) => node.Peers.Any(p => p.IsEstablished && p.ConnectionType == ConnectionType.OutboundFullRelay
                                                          && p.Remote.Equals(target)));

    [Fact]
    public async Task DnsSeed_ResolvingToALocalAddress_IsDialled()
    {
        int port = TestNet.FreePort();
        var seedAt = new IPEndPoint(IPAddress.Parse("127.0.0.2"), port);
        await using var seed = await StartAsync(seedAt, Options(port));
        var asked = new List<string>();
        await using var node = await StartAsync(new IPEndPoint(IPAddress.Parse("127.0.0.3"), port),
            Options(port) with { DnsSeeds = ["seed.nodus.test"] },
            (host, _) => { lock (asked) asked.Add(host); return Task.FromResult(new[] { seedAt.Address }); });
        await TestNet.WaitUntilAsync(() => HasOutboundFullRelayTo(node, seedAt), "the node dials the seed's address");
        Assert.Equal(["seed.nodus.test"], asked);
    }

    [Fact]
    public async Task DnsFails_FallsBackToHardCodedSeeds()
    {
        int port = TestNet.FreePort();
        var fixedAt = new IPEndPoint(IPAddress.Parse("127.0.0.4"), port);
        await using var fixedSeed = await StartAsync(fixedAt, Options(port));
        await using var node = await StartAsync(new IPEndPoint(IPAddress.Parse("127.0.0.5"), port),
            Options(port) with { DnsSeeds = ["unresolvable.nodus.test"], FixedSeeds = [fixedAt] });
        await TestNet.WaitUntilAsync(() => HasOutboundFullRelayTo(node, fixedAt), "the node dials the hard-coded seed");
    }

    [Fact]
    public async Task BannedAddress_InboundSocketIsRefused()
    {
        int port = TestNet.FreePort();
        var serverAt = new IPEndPoint(IPAddress.Parse("127.0.0.6"), port);
        DiscoveryService? discovery = null;
        await using var server = await TestNet.StartHostAsync(host: o => o with
        {
            Listen = serverAt,
            Configure = node => discovery = DiscoveryService.Attach(node, Options(port) with { AutomaticOutbound = false }, new MemoryAddressStore()),
        });
        await server.InvokeAsync((_, now) => { discovery!.Rpc.SetBan("127.0.0.7", "add", now); return true; });
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.7"), 0));
        await client.ConnectAsync(serverAt);
        var buffer = new byte[16];
        int read = await client.ReceiveAsync(buffer).WaitAsync(TestNet.Patience);
        Assert.Equal(0, read); // closed by the server without a byte
        Assert.Equal(0, await TestNet.PeerCountAsync(server));
    }
}

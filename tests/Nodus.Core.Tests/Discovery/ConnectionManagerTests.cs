using System.Net;
using Nodus.Core.Discovery;
using Nodus.Core.Peers;
using Nodus.Wire.Messages;
using Nodus.Wire.Types;
using Xunit;
using static Nodus.Core.Tests.Discovery.AddressManagerTests;

namespace Nodus.Core.Tests.Discovery;

public sealed class ConnectionManagerTests
{
    private const long T0 = FakeNetwork.T0;

    private static FakeNetwork WithBook(int addresses, DiscoveryOptions? options = null, int seed = 1, IAddressStore? store = null)
    {
        var net = new FakeNetwork(options ?? new DiscoveryOptions(), store, seed);
        for (int i = 0; i < addresses; i++)
            net.Addresses.Add(InGroup(i, 1), 1, T0 - Time.Hour, InGroup(i % 13, 9), 0, T0);
        return net;
    }

    [Fact]
    public void Start_WithAddressBook_Opens8FullRelayAnd2BlockRelayOnly_OnePerGroup()
    {
        var net = WithBook(200);
        net.Start();
        net.Run(30 * Time.Second);
        var full = net.Established(ConnectionType.OutboundFullRelay).ToList();
        var block = net.Established(ConnectionType.BlockRelayOnly).ToList();
        Assert.Equal(8, full.Count);
        Assert.Equal(2, block.Count);
        var groups = full.Concat(block).Select(p => net.Addresses.Groups.GroupOf(AddressKey.From(p.Remote))).ToList();
        Assert.Equal(groups.Count, groups.Distinct().Count());
        Assert.All(full, p => Assert.True(net.Addresses.Find(AddressKey.From(p.Remote))!.InTried));
    }

    [Fact]
    public void OnePerGroup_EvenWhenTheBookHasOnlyAFewGroups()
    {
        var net = new FakeNetwork(new DiscoveryOptions());
        for (int i = 0; i < 300; i++) net.Addresses.Add(InGroup(i % 3, i), 1, T0, InGroup(i % 7, 9), 0, T0);
        net.Start();
        net.Run(60 * Time.Second);
        Assert.Equal(3, net.Node.Peers.Count(p => p.IsEstablished && p.ConnectionType is ConnectionType.OutboundFullRelay or ConnectionType.BlockRelayOnly));
    }

    [Fact]
    public void LostPeer_IsReplacedWithinSeconds()
    {
        var net = WithBook(200);
        net.Start();
        net.Run(30 * Time.Second);
        var victim = net.Established(ConnectionType.OutboundFullRelay).First();
        net.Disconnect(victim.Id);
        Assert.Equal(7, net.Established(ConnectionType.OutboundFullRelay).Count());
        net.Run(2 * Time.Second);
        Assert.Equal(8, net.Established(ConnectionType.OutboundFullRelay).Count());
    }

    [Fact]
    public void OfflineAddresses_AreSkippedAndCountedAsFailures()
    {
        var net = WithBook(200);
        net.Online = ep => ep.Address.GetAddressBytes()[3] != 1 || ep.Address.GetAddressBytes()[1] % 2 == 0;
        net.Start();
        net.Run(2 * Time.Minute);
        Assert.Equal(8, net.Established(ConnectionType.OutboundFullRelay).Count());
        Assert.True(net.Dials.Count > 10);
        Assert.Contains(net.Addresses.All, i => i.LastTry > 0 && i.LastSuccess == 0);
    }

    [Fact]
    public void Feelers_AboutEveryTwoMinutes_TestNewAddressesAndDisconnect()
    {
        var net = WithBook(500);
        net.Start();
        net.Run(Time.Minute);
        var newBefore = net.Addresses.All.Where(i => !i.InTried).Select(i => i.Address).ToHashSet();
        net.Run(60 * Time.Minute);
        var feelers = net.Dials.Where(d => d.Type == ConnectionType.Feeler).ToList();
        Assert.InRange(feelers.Count, 15, 50); // mean interval 2 min over an hour: about 30
        Assert.All(feelers, f => Assert.Contains(AddressKey.From(f.EndPoint), newBefore));
        Assert.DoesNotContain(net.Node.Peers, p => p.ConnectionType == ConnectionType.Feeler);
        Assert.All(feelers, f => Assert.True(net.Addresses.Find(AddressKey.From(f.EndPoint))!.InTried));
        Assert.Contains(net.Closed, c => c.Reason.Detail == "feeler connection completed");
    }

    [Fact]
    public void Crawler_TestsAboutOneAddressASecond_EvenBeforeItsSlotsAreFull()
    {
        // Every address in few groups: the outbound slots can never all fill, and Core's feelers would never start.
        var net = new FakeNetwork(new DiscoveryOptions().AsCrawler());
        for (int i = 0; i < 3_000; i++) net.Addresses.Add(InGroup(i % 4, i % 250 + 1), 1, T0 - Time.Hour, InGroup(i % 13, 9), 0, T0);
        net.Start();
        net.Run(10 * Time.Minute);
        int feelers = net.Dials.Count(d => d.Type == ConnectionType.Feeler);
        Assert.InRange(feelers, 400, 800); // one a second on average over 10 minutes: about 600
        Assert.True(net.Established(ConnectionType.OutboundFullRelay).Count() < 8);
        Assert.InRange(net.Node.Peers.Count(p => p.ConnectionType == ConnectionType.Feeler), 0, DiscoveryOptions.CrawlFeelers);

        var plain = WithBook(2_000);
        plain.Start();
        plain.Run(10 * Time.Minute);
        Assert.InRange(plain.Dials.Count(d => d.Type == ConnectionType.Feeler), 1, 15); // Core: one every 2 minutes
    }

    [Fact]
    public void Crawler_RetestsTriedAddresses_AndTheSeedDropsOnesThatWentAway()
    {
        var net = WithBook(300, new DiscoveryOptions().AsCrawler());
        net.Start();
        net.Run(20 * Time.Minute); // about 1,200 tests: every address is tried by now
        var good = SeedSelection.Good(net.Addresses, net.Addresses.Find(InGroup(0, 1))!.Address.Port, net.Now);
        Assert.True(good.Count > 250, $"{good.Count} good");
        // Every tried address has been tested within the re-test age and a round, but our own peers (alive as it is).
        var peers = net.Node.Peers.Select(p => AddressKey.From(p.Remote)).ToHashSet();
        Assert.All(net.Addresses.All.Where(i => i.InTried && !peers.Contains(i.Address)),
            i => Assert.True(net.Now - i.LastTry < DiscoveryOptions.CrawlRetestAge + 5 * Time.Minute));

        // A third of the network goes away: within the re-test age and a round of tests, the seed stops naming it.
        var gone = good.Where((_, i) => i % 3 == 0).Select(g => g.Address).ToHashSet();
        net.Online = ep => !gone.Contains(ep.Address);
        foreach (var peer in net.Node.Peers.Where(p => gone.Contains(p.Remote.Address)).ToList()) net.Disconnect(peer.Id);
        net.Run(DiscoveryOptions.CrawlRetestAge + 10 * Time.Minute);
        var after = SeedSelection.Good(net.Addresses, net.Addresses.Find(InGroup(0, 1))!.Address.Port, net.Now).Select(g => g.Address).ToList();
        Assert.DoesNotContain(after, gone.Contains);
        Assert.True(after.Count > 150, $"{after.Count} good after");
    }

    [Fact]
    public void EmptyBook_AsksDnsSeeds_AndDialsWhatTheyGive()
    {
        var net = new FakeNetwork(new DiscoveryOptions { DnsSeeds = ["seed.a.test", "seed.b.test"] });
        net.Start();
        var request = Assert.Single(net.SeedRequests);
        Assert.Equal(["seed.a.test", "seed.b.test"], request.Hosts);
        var ips = Enumerable.Range(0, 20).Select(i => InGroup(i, 1).Address).ToList();
        net.Node.OnSeedsResolved("seed.a.test", ips, net.Now);
        net.Node.OnSeedsResolved("seed.b.test", [], net.Now);
        net.Pump();
        Assert.Equal(20, net.Addresses.Count);
        net.Run(10 * Time.Second);
        Assert.Equal(8, net.Established(ConnectionType.OutboundFullRelay).Count());
    }

    private static readonly IPEndPoint SeedNode = InGroup(200, 7).EndPoint;

    /// <summary>A seed node that answers getaddr with <paramref name="reply"/> addresses (none: it stays silent).</summary>
    private static FakeNetwork WithSeedNode(int reply, int book = 0)
    {
        var net = WithBook(book, new DiscoveryOptions { SeedNodes = [SeedNode] });
        net.OnSent = (peer, message) =>
        {
            if (message is not GetAddrMessage || peer.ConnectionType != ConnectionType.AddrFetch || reply == 0) return;
            uint seen = (uint)Time.ToUnixSeconds(net.Now - Time.Hour);
            var addresses = Enumerable.Range(0, reply).Select(i => new TimestampedAddress(seen, new NetAddress(InGroup(i, 3).EndPoint, 1)));
            net.Node.OnMessage(peer.Id, new AddrMessage(addresses), 0, net.Now); // its outputs are pumped by the caller
        };
        return net;
    }

    [Fact]
    public void SeedNode_AddrFetch_AsksForAddresses_LeavesOnTheReply_ThenDialsThem()
    {
        var net = WithSeedNode(reply: 20);
        net.Start();
        net.Run(Time.Second);
        var fetch = Assert.Single(net.Dials, d => d.Type == ConnectionType.AddrFetch);
        Assert.Equal(SeedNode, fetch.EndPoint);
        Assert.Contains(net.Closed, c => c.Reason.Detail == "addr-fetch connection completed");
        Assert.DoesNotContain(net.Node.Peers, p => p.ConnectionType == ConnectionType.AddrFetch);
        Assert.Equal(20, net.Addresses.Count);
        Assert.Null(net.Addresses.Find(AddressKey.From(SeedNode))); // asked, not judged: not put in the book
        net.Run(10 * Time.Second);
        Assert.Equal(8, net.Established(ConnectionType.OutboundFullRelay).Count());
        net.Run(10 * Time.Minute);
        Assert.Single(net.Dials, d => d.Type == ConnectionType.AddrFetch); // enough peers: never asked again
    }

    [Fact]
    public void SilentSeedNode_DroppedAfterFiveMinutes_AndAskedAgainWhileTheNodeHasTooFewPeers()
    {
        var net = WithSeedNode(reply: 0);
        net.Start();
        net.Run(ConnectionManager.AddrFetchTimeout - Time.Second);
        Assert.Single(net.Node.Peers, p => p.ConnectionType == ConnectionType.AddrFetch); // held, not re-dialled
        net.Run(2 * Time.Second);
        Assert.Contains(net.Closed, c => c.Reason.Detail == "addr-fetch connection timeout");
        net.Run(ConnectionManager.AddrFetchRetryInterval + Time.Second);
        Assert.Equal(2, net.Dials.Count(d => d.Type == ConnectionType.AddrFetch));
    }

    [Fact]
    public void SeedNodes_AreAskedBeforeTheDnsSeeds()
    {
        var net = new FakeNetwork(new DiscoveryOptions { SeedNodes = [SeedNode], DnsSeeds = ["seed.a.test"] });
        net.Start();
        net.Run(Time.Second);
        Assert.Empty(net.SeedRequests);
        Assert.Single(net.Dials, d => d.Type == ConnectionType.AddrFetch);
        net.Run(ConnectionManager.SeedNodeTimeout + Time.Second);
        Assert.Single(net.SeedRequests); // the seed node gave nothing: now the DNS seeds
    }

    [Fact]
    public void DnsSeedsGiveNothing_FallsBackToHardCodedSeeds()
    {
        var fixedSeeds = Enumerable.Range(0, 4).Select(i => InGroup(100 + i, 5).EndPoint).ToList();
        var net = new FakeNetwork(new DiscoveryOptions { DnsSeeds = ["seed.a.test"], FixedSeeds = fixedSeeds });
        net.Start();
        net.Node.OnSeedsResolved("seed.a.test", [], net.Now);
        net.Pump();
        Assert.Equal(4, net.Addresses.Count);
        net.Run(5 * Time.Second);
        Assert.Equal(fixedSeeds.ToHashSet(), net.Dials.Select(d => d.EndPoint).ToHashSet());
    }

    [Fact]
    public void NoDnsSeeds_HardCodedSeedsAtOnce_AndNoSeedsAtAllWithBook()
    {
        var fixedSeeds = new[] { InGroup(100, 5).EndPoint };
        var net = new FakeNetwork(new DiscoveryOptions { FixedSeeds = fixedSeeds });
        net.Start();
        Assert.Equal(1, net.Addresses.Count);

        var withBook = WithBook(50, new DiscoveryOptions { DnsSeeds = ["seed.a.test"], FixedSeeds = fixedSeeds });
        withBook.Start();
        withBook.Run(2 * Time.Minute);
        Assert.Empty(withBook.SeedRequests); // 11 s later it already had 8 outbound peers
        Assert.Null(withBook.Addresses.Find(AddressKey.From(fixedSeeds[0])));
    }

    [Fact]
    public void Restart_ReconnectsAnchorsFirst_ThenFromThePersistedBook()
    {
        var store = new MemoryAddressStore();
        var first = WithBook(200, store: store);
        first.Start();
        first.Run(Time.Minute);
        var anchors = first.Established(ConnectionType.BlockRelayOnly).Select(p => p.Remote).ToHashSet();
        Assert.Equal(2, anchors.Count);
        first.Shutdown();

        var second = new FakeNetwork(new DiscoveryOptions(), store, seed: 2, start: first.Now + Time.Minute);
        Assert.Equal(200, second.Addresses.Count); // restored, no seeds needed
        second.Start();
        second.Run(Time.Second);
        Assert.Equal(anchors, second.Dials.Take(2).Select(d => d.EndPoint).ToHashSet());
        Assert.All(second.Dials.Take(2), d => Assert.Equal(ConnectionType.BlockRelayOnly, d.Type));
        second.Run(30 * Time.Second);
        Assert.Equal(8, second.Established(ConnectionType.OutboundFullRelay).Count());
        Assert.Empty(second.SeedRequests);
    }

    [Fact]
    public void Connect_DisablesAutomaticOutbound()
    {
        var manual = InGroup(300, 1).EndPoint;
        var net = new FakeNetwork(new DiscoveryOptions { DnsSeeds = ["seed.a.test"] }, nodeOptions: new NodeOptions { Connect = [manual] });
        for (int i = 0; i < 100; i++) net.Addresses.Add(InGroup(i, 1), 1, T0, InGroup(i, 9), 0, T0);
        net.Start();
        net.Run(10 * Time.Minute);
        Assert.All(net.Dials, d => Assert.Equal(ConnectionType.Manual, d.Type));
        Assert.Equal(manual, Assert.Single(net.Node.Peers).Remote);
        Assert.Empty(net.SeedRequests);
    }

    [Fact]
    public void Misbehaviour_DiscouragesFor24Hours_RefusedInboundAndNeverDialled()
    {
        var net = WithBook(30);
        var attacker = InGroup(5, 1); // also in the book
        net.Start();
        // Take it out of our outbound set if chosen, then have it misbehave inbound.
        var id = net.ConnectInbound(new IPEndPoint(attacker.Address, 40000))!.Value;
        net.Deliver(id, new Nodus.Wire.Messages.AddrMessage { Addresses = [.. Enumerable.Repeat(FakeNetwork.Wire(InGroup(1, 2), T0), 1001)] });
        Assert.Null(net.Node.GetPeer(id));
        Assert.True(net.Discovery.Bans.IsDiscouraged(attacker, net.Now));
        Assert.Null(net.ConnectInbound(new IPEndPoint(attacker.Address, 40001)));
        foreach (var p in net.Node.Peers.Where(p => p.Remote.Address.Equals(attacker.Address)).ToList()) net.Disconnect(p.Id);
        int dialsBefore = net.Dials.Count;
        net.Run(Time.Hour);
        Assert.DoesNotContain(net.Dials.Skip(dialsBefore), d => d.EndPoint.Address.Equals(attacker.Address));
        net.Run(24 * Time.Hour);
        Assert.NotNull(net.ConnectInbound(new IPEndPoint(attacker.Address, 40002)));
    }

    [Fact]
    public void InboundFull_EvictsFromTheLargestGroup()
    {
        var options = new DiscoveryOptions { MaxConnections = 11 + 30, AutomaticOutbound = false };
        var net = new FakeNetwork(options);
        net.Start();
        // 30 inbound peers: 20 from one group (the attacker's), 10 from distinct groups.
        var attackers = new List<PeerId>();
        for (int i = 0; i < 20; i++) { attackers.Add(net.ConnectInbound(InGroup(7, i + 1).EndPoint)!.Value); net.Run(Time.Second); }
        for (int i = 0; i < 10; i++) { net.ConnectInbound(InGroup(100 + i, 1).EndPoint); net.Run(Time.Second); }
        Assert.Equal(30, net.Node.Peers.Count);
        for (int round = 0; round < 5; round++)
        {
            Assert.NotNull(net.ConnectInbound(InGroup(200 + round, 1).EndPoint));
            var evicted = net.Closed[^1].Peer;
            Assert.Contains(evicted, attackers);
            Assert.Equal(30, net.Node.Peers.Count);
        }
    }

    [Fact]
    public void InboundFull_EveryPeerProtected_Refuses()
    {
        var net = new FakeNetwork(new DiscoveryOptions { MaxConnections = 11 + 4, AutomaticOutbound = false });
        net.Start();
        for (int i = 0; i < 4; i++) Assert.NotNull(net.ConnectInbound(InGroup(i, 1).EndPoint));
        Assert.Null(net.ConnectInbound(InGroup(50, 1).EndPoint)); // 4 distinct groups: all protected
        Assert.Equal(4, net.Node.Peers.Count);
    }

    [Fact]
    public void SelectPeerToEvict_ProtectsLowPingRecentTxAndBlocksAndUptime()
    {
        static EvictionCandidate C(int id, long connected, ulong group, long ping = 100_000, long tx = 0, long block = 0) =>
            new(new PeerId(id), connected, ping, block, tx, true, group);
        // Young peers with something to show come first, so the stable sorts give them no accidental protection.
        var peers = new List<EvictionCandidate>
        {
            C(40, 40, 1, ping: 1),          // youngest but fastest
            C(39, 39, 1, tx: 1000),         // young but relayed a novel transaction
            C(38, 38, 1, block: 1000),      // young but relayed a novel block
        };
        for (int i = 1; i <= 37; i++) peers.Add(C(i, i, 1));
        peers.Add(C(41, 41, 0));                  // the only peer of its group
        var victim = InboundEviction.SelectPeerToEvict(peers);
        Assert.NotNull(victim);
        Assert.DoesNotContain(victim!.Value.Value, new long[] { 38, 39, 40, 41 });
        // The victim is the youngest unprotected peer of group 1.
        Assert.True(victim.Value.Value >= 20, $"evicted {victim}");
        Assert.Null(InboundEviction.SelectPeerToEvict(peers.Take(4)));
    }

    [Fact]
    public void SetBan_DisconnectsRefusesAndPersistsAcrossRestart()
    {
        var store = new MemoryAddressStore();
        var net = new FakeNetwork(new DiscoveryOptions { AutomaticOutbound = false }, store);
        net.Start();
        var id = net.ConnectInbound(V4(77, 1, 2, 3).EndPoint)!.Value;
        net.Discovery.Rpc.SetBan("77.1.2.0/24", "add", net.Now, banTimeSeconds: 3600);
        net.Pump();
        Assert.Null(net.Node.GetPeer(id));
        Assert.Null(net.ConnectInbound(V4(77, 1, 2, 9).EndPoint));
        Assert.NotNull(net.ConnectInbound(V4(77, 1, 3, 9).EndPoint));
        var e = Assert.Throws<RpcException>(() => net.Discovery.Rpc.SetBan("77.1.2.0/24", "add", net.Now));
        Assert.Equal(RpcException.NodeAlreadyAdded, e.Code);

        var restarted = new FakeNetwork(new DiscoveryOptions(), store, start: net.Now + 60 * Time.Second);
        var listed = Assert.Single(restarted.Discovery.Rpc.ListBanned(restarted.Now));
        Assert.Equal("77.1.2.0/24", listed.Address);
        Assert.Equal(3600, listed.BanDuration);
        Assert.Equal(3540, listed.TimeRemaining);
        Assert.Null(restarted.ConnectInbound(V4(77, 1, 2, 200).EndPoint));
        restarted.Discovery.Rpc.SetBan("77.1.2.0/24", "remove", restarted.Now);
        Assert.Empty(restarted.Discovery.Rpc.ListBanned(restarted.Now));
        restarted.Discovery.Rpc.SetBan("1.2.3.4", "add", restarted.Now);
        restarted.Discovery.Rpc.ClearBanned();
        Assert.Empty(new FakeNetwork(new DiscoveryOptions(), store).Discovery.Rpc.ListBanned(T0));
        Assert.Equal(RpcException.InvalidIpOrSubnet,
            Assert.Throws<RpcException>(() => restarted.Discovery.Rpc.SetBan("9.9.9.9", "remove", restarted.Now)).Code);
    }

    [Fact]
    public void Bans_Expire()
    {
        var net = new FakeNetwork(new DiscoveryOptions { AutomaticOutbound = false });
        net.Discovery.Rpc.SetBan("77.1.2.3", "add", net.Now, banTimeSeconds: 60);
        Assert.Null(net.ConnectInbound(V4(77, 1, 2, 3).EndPoint));
        net.Run(61 * Time.Second);
        Assert.NotNull(net.ConnectInbound(V4(77, 1, 2, 3).EndPoint));
        Assert.Empty(net.Discovery.Rpc.ListBanned(net.Now));
    }

    [Fact]
    public void GetNodeAddressesAndAddedNodeInfo_HaveCoreShapes()
    {
        var added = InGroup(50, 50).EndPoint;
        var net = WithBook(40, new DiscoveryOptions { AutomaticOutbound = true });
        net.Node.AddNode(added, AddNodeCommand.Add, net.Now);
        net.Start();
        net.Run(5 * Time.Second);
        var all = net.Discovery.Rpc.GetNodeAddresses(net.Now, 0);
        Assert.Equal(40, all.Count);
        Assert.All(all, a => Assert.Equal("ipv4", a.Network));
        Assert.Single(net.Discovery.Rpc.GetNodeAddresses(net.Now));
        Assert.Empty(net.Discovery.Rpc.GetNodeAddresses(net.Now, 0, "ipv6"));
        var info = Assert.Single(net.Discovery.Rpc.GetAddedNodeInfo());
        Assert.True(info.Connected);
        Assert.Equal("outbound", Assert.Single(info.Addresses).Connected);
        Assert.Equal(RpcException.NodeNotAdded, Assert.Throws<RpcException>(() => net.Discovery.Rpc.GetAddedNodeInfo("1.1.1.1:1")).Code);
    }
}

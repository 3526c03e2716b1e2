using System.Net;
using Nodus.Core.Discovery;
using Nodus.Core.Peers;
using Nodus.Wire.Messages;
using Nodus.Wire.Types;
using Xunit;
using static Nodus.Core.Tests.Discovery.AddressManagerTests;

namespace Nodus.Core.Tests.Discovery;

public sealed class AddressRelayTests
{
    private const long T0 = FakeNetwork.T0;

    private static FakeNetwork Quiet(DiscoveryOptions? options = null) =>
        new(options ?? new DiscoveryOptions { AutomaticOutbound = false });

    private static List<TimestampedAddress> Fresh(int count, long now, int firstGroup = 1000) =>
        Enumerable.Range(0, count).Select(i => FakeNetwork.Wire(InGroup(firstGroup + i, 1), now)).ToList();

    private static IEnumerable<AddrMessage> AddrsTo(FakeNetwork net, PeerId peer) =>
        net.Sent.Where(s => s.Peer == peer).Select(s => s.Message).OfType<AddrMessage>();

    [Fact]
    public void OutboundFullRelay_GetsGetAddr_InboundAndBlockRelayDoNot()
    {
        var net = new FakeNetwork(new DiscoveryOptions());
        for (int i = 0; i < 50; i++) net.Addresses.Add(InGroup(i, 1), 1, T0, InGroup(i, 2), 0, T0);
        net.Start();
        net.Run(10 * Time.Second);
        var inbound = net.ConnectInbound(InGroup(300, 1).EndPoint)!.Value;
        var getaddrs = net.Sent.Where(s => s.Message is GetAddrMessage).Select(s => net.Node.GetPeer(s.Peer)!.ConnectionType).ToList();
        Assert.Equal(8, getaddrs.Count);
        Assert.All(getaddrs, t => Assert.Equal(ConnectionType.OutboundFullRelay, t));
        Assert.DoesNotContain(net.Sent, s => s.Peer == inbound);
    }

    [Fact]
    public void GetAddr_AnsweredOncePerInboundConnection_WithinCaps()
    {
        var net = Quiet();
        var rng = new Random(3);
        for (int i = 0; i < 20_000; i++) net.Addresses.Add(InGroup(rng.Next(17_000), rng.Next(65536)), 1, T0, InGroup(rng.Next(17_000), 1), 0, T0);
        net.Start();
        var peer = net.ConnectInbound(V4(99, 1, 1, 1).EndPoint)!.Value;
        net.Deliver(peer, new GetAddrMessage());
        net.Deliver(peer, new GetAddrMessage());
        var replies = AddrsTo(net, peer).ToList();
        Assert.Equal(3, replies.Count);
        Assert.All(replies, r => Assert.InRange(r.Addresses.Count, 1, AddrMessage.MaxAddresses));
        int total = replies.Sum(r => r.Addresses.Count);
        Assert.Equal(AddressManager.GetAddrMax, total);
        Assert.True(total <= net.Addresses.Count * 23 / 100);
        Assert.Equal(total, replies.SelectMany(r => r.Addresses).Select(a => a.Address.EndPoint).Distinct().Count());
    }

    [Fact]
    public void GetAddr_SmallBook_RepliesWithAtMost23Percent()
    {
        var net = Quiet();
        for (int i = 0; i < 100; i++) net.Addresses.Add(InGroup(i, 1), 1, T0, InGroup(i, 2), 0, T0);
        net.Start();
        var peer = net.ConnectInbound(V4(99, 1, 1, 1).EndPoint)!.Value;
        net.Deliver(peer, new GetAddrMessage());
        Assert.Equal(23, Assert.Single(AddrsTo(net, peer)).Addresses.Count);
    }

    private static HashSet<IPEndPoint> AskAsNewInbound(FakeNetwork net, int n)
    {
        var peer = net.ConnectInbound(V4(99, 1, 1, (byte)n).EndPoint)!.Value;
        net.Deliver(peer, new GetAddrMessage());
        return [.. AddrsTo(net, peer).SelectMany(m => m.Addresses).Select(a => a.Address.EndPoint)];
    }

    [Fact]
    public void GetAddrCache_BookDoubled_ReplyIsRebuiltBeforeExpiry()
    {
        var net = Quiet();
        for (int i = 0; i < 100; i++) net.Addresses.Add(InGroup(i, 1), 1, T0, InGroup(i, 2), 0, T0);
        net.Start();
        var first = AskAsNewInbound(net, 1);
        Assert.Equal(23, first.Count);
        // Grown by half: still the cached reply, so new connections cannot sample the book again.
        for (int i = 100; i < 150; i++) net.Addresses.Add(InGroup(i, 1), 1, T0, InGroup(i, 2), 0, T0);
        Assert.Equal(first, AskAsNewInbound(net, 2));
        // Doubled: the short reply is rebuilt from the bigger book.
        for (int i = 150; i < 200; i++) net.Addresses.Add(InGroup(i, 1), 1, T0, InGroup(i, 2), 0, T0);
        Assert.Equal(200, net.Addresses.Count);
        Assert.Equal(46, AskAsNewInbound(net, 3).Count);
    }

    [Fact]
    public void GetAddrCache_FullReply_IsKeptWhileTheBookGrows()
    {
        var net = Quiet();
        var rng = new Random(5);
        void AddRandom(int count)
        {
            for (int i = 0; i < count; i++) net.Addresses.Add(InGroup(rng.Next(17_000), rng.Next(65536)), 1, T0, InGroup(rng.Next(17_000), 1), 0, T0);
        }
        AddRandom(20_000);
        net.Start();
        var first = AskAsNewInbound(net, 1);
        Assert.Equal(AddressManager.GetAddrMax, first.Count);
        int before = net.Addresses.Count;
        AddRandom(60_000);
        Assert.True(net.Addresses.Count >= 2 * before, $"book grew from {before} to {net.Addresses.Count}");
        Assert.Equal(first, AskAsNewInbound(net, 2));
    }

    [Fact]
    public void GetAddr_FromOutboundPeer_IsIgnored()
    {
        var net = new FakeNetwork(new DiscoveryOptions());
        for (int i = 0; i < 100; i++) net.Addresses.Add(InGroup(i, 1), 1, T0, InGroup(i, 2), 0, T0);
        net.Start();
        net.Run(10 * Time.Second);
        var outbound = net.Established(ConnectionType.OutboundFullRelay).First().Id;
        net.Deliver(outbound, new GetAddrMessage());
        Assert.DoesNotContain(AddrsTo(net, outbound), m => m.Addresses.Count > 1);
    }

    [Fact]
    public void Addr_OverThousandEntries_IsMisbehaviour()
    {
        var net = Quiet();
        net.Start();
        var peer = net.ConnectInbound(V4(99, 1, 1, 1).EndPoint)!.Value;
        net.Deliver(peer, new AddrMessage { Addresses = Fresh(1001, T0) });
        Assert.Contains(net.Closed, c => c.Peer == peer && c.Reason.IsMisbehaviour && c.Reason.Detail == "addr message size = 1001");
        Assert.Equal(0, net.Addresses.Count);
    }

    [Fact]
    public void UnsolicitedAddr_IsRateLimitedToOneTenthPerSecond()
    {
        var net = Quiet();
        net.Start();
        var peer = net.ConnectInbound(V4(99, 1, 1, 1).EndPoint)!.Value;
        net.Deliver(peer, new AddrMessage { Addresses = Fresh(500, net.Now) });
        Assert.Equal(1, net.Addresses.Count); // the bucket starts with one token
        net.Run(100 * Time.Second);
        net.Deliver(peer, new AddrMessage { Addresses = Fresh(500, net.Now, firstGroup: 3000) });
        Assert.Equal(11, net.Addresses.Count); // 100 s × 0.1/s
        Assert.Equal(989, net.Discovery.Relay.RateLimitedTotal);
    }

    [Fact]
    public void GetAddrReply_FromOutboundPeer_IsAcceptedInFull()
    {
        var net = new FakeNetwork(new DiscoveryOptions());
        net.Addresses.Add(InGroup(1, 1), 1, T0, InGroup(1, 2), 0, T0);
        net.Start();
        net.Run(Time.Second);
        var outbound = net.Established(ConnectionType.OutboundFullRelay).Single().Id;
        net.Deliver(outbound, new AddrMessage { Addresses = Fresh(1000, net.Now - Time.Hour) });
        Assert.Equal(1000, net.Discovery.Relay.ProcessedTotal);
        Assert.Equal(0, net.Discovery.Relay.RateLimitedTotal);
        // One source group reaches 64 buckets of 64 slots: a few of the 1,000 collide and are dropped.
        Assert.InRange(net.Addresses.Count, 850, 1001);
        int before = net.Addresses.Count;
        // The reply is over: the next message is rate-limited again.
        net.Deliver(outbound, new AddrMessage { Addresses = Fresh(100, net.Now, firstGroup: 5000) });
        Assert.InRange(net.Addresses.Count, before, before + 2);
        // 1 + 1,000 tokens were granted, but a refill caps the bucket at 1,000 (as in Bitcoin Core).
        Assert.InRange(net.Discovery.Relay.RateLimitedTotal, 99, 100);
    }

    [Fact]
    public void FreshAddress_RelayedToTwoPeers_TheSameTwoAllDay()
    {
        var net = Quiet();
        net.Start();
        var peers = Enumerable.Range(0, 10).Select(i => net.ConnectInbound(InGroup(400 + i, 1).EndPoint)!.Value).ToList();
        // Enable relay to every peer (inbound peers opt in by speaking addr).
        foreach (var p in peers) net.Deliver(p, new AddrMessage { Addresses = [] });
        var announced = InGroup(2000, 7);
        var sender = peers[0];
        HashSet<PeerId> Receivers()
        {
            net.Run(5 * Time.Minute);
            var r = net.Sent.Where(s => s.Message is AddrMessage m && m.Addresses.Any(a => AddressKey.From(a.Address.EndPoint) == announced))
                .Select(s => s.Peer).ToHashSet();
            net.Sent.Clear();
            return r;
        }
        net.Deliver(sender, new AddrMessage { Addresses = [FakeNetwork.Wire(announced, net.Now)] });
        var first = Receivers();
        Assert.Equal(2, first.Count);
        Assert.DoesNotContain(sender, first);

        // The same address again a minute later (fresh stamp, another sender): peers that know it are not re-sent it,
        // and no new peers are chosen.
        net.Run(Time.Minute); // (the daily rotation point differs per address, so "later" stays short here)
        net.Deliver(peers[5], new AddrMessage { Addresses = [FakeNetwork.Wire(announced, net.Now)] });
        Assert.Subset(first, Receivers());
    }

    [Fact]
    public void OldOrLargeAddrMessages_AreNotRelayed()
    {
        var net = Quiet();
        net.Start();
        var peers = Enumerable.Range(0, 5).Select(i => net.ConnectInbound(InGroup(400 + i, 1).EndPoint)!.Value).ToList();
        foreach (var p in peers) net.Deliver(p, new AddrMessage { Addresses = [] });
        net.Run(2000 * Time.Second); // refill tokens
        net.Deliver(peers[0], new AddrMessage { Addresses = [FakeNetwork.Wire(InGroup(900, 1), net.Now - Time.Hour)] });
        net.Deliver(peers[1], new AddrMessage { Addresses = Fresh(11, net.Now) });
        net.Run(5 * Time.Minute);
        Assert.DoesNotContain(net.Sent, s => s.Message is AddrMessage);
        Assert.Equal(12, net.Addresses.Count);
    }

    [Fact]
    public void OwnAddress_AdvertisedAboutDaily()
    {
        var self = new IPEndPoint(IPAddress.Parse("45.60.1.2"), 8333);
        var net = Quiet(new DiscoveryOptions { AutomaticOutbound = false, ListenAddress = self });
        net.Start();
        var peer = net.ConnectInbound(InGroup(400, 1).EndPoint)!.Value;
        net.Deliver(peer, new AddrMessage { Addresses = [] });
        int Adverts() => AddrsTo(net, peer).Count(m => m.Addresses.Any(a => a.Address.EndPoint.Equals(self)));
        net.Run(10 * Time.Day);
        // The known-address filter stops repeats of the same address to one peer, as Core's m_addr_known does; our
        // address is sent once, then again only after the filter forgot it.
        Assert.Equal(1, Adverts());

        var outbound = new FakeNetwork(new DiscoveryOptions { ListenAddress = self });
        outbound.Addresses.Add(InGroup(1, 1), 1, T0, InGroup(1, 2), 0, T0);
        outbound.Start();
        outbound.Run(2 * Time.Minute);
        var first = outbound.Established(ConnectionType.OutboundFullRelay).Single().Id;
        Assert.Contains(AddrsTo(outbound, first), m => m.Addresses.Any(a => a.Address.EndPoint.Equals(self)));
    }

    [Fact]
    public void BlockRelayOnlyPeers_GetNoAddrTraffic()
    {
        var net = new FakeNetwork(new DiscoveryOptions());
        for (int i = 0; i < 50; i++) net.Addresses.Add(InGroup(i, 1), 1, T0, InGroup(i, 2), 0, T0);
        net.Start();
        net.Run(Time.Hour);
        var blockRelay = net.Established(ConnectionType.BlockRelayOnly).Select(p => p.Id).ToHashSet();
        Assert.Equal(2, blockRelay.Count);
        Assert.DoesNotContain(net.Sent, s => blockRelay.Contains(s.Peer) && s.Message is AddrMessage or GetAddrMessage);
    }
}

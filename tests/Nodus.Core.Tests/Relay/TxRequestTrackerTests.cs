using Nodus.Core.Peers;
using Nodus.Core.Relay;
using Nodus.Core.Tests.Support;
using Nodus.Wire.Encoding;
using Xunit;

namespace Nodus.Core.Tests.Relay;

public sealed class TxRequestTrackerTests
{
    private const long T0 = TestNetwork.T0;
    private static readonly PeerId Outbound = new(1), Inbound = new(2), Other = new(3);
    private readonly Hash256 _txid = RelayKit.RandomHash(new Random(1));

    private static List<(PeerId Peer, Hash256 Txid)> Poll(TxRequestTracker tracker, long now)
    {
        var requests = new List<(PeerId, Hash256)>();
        tracker.Poll(now, requests);
        return requests;
    }

    [Fact]
    public void Poll_OutboundAnnouncer_RequestedAtOnce()
    {
        var tracker = new TxRequestTracker();
        tracker.ReceivedInv(Inbound, _txid, preferred: false, T0);
        tracker.ReceivedInv(Outbound, _txid, preferred: true, T0);
        Assert.Equal([(Outbound, _txid)], Poll(tracker, T0));
        Assert.Equal(1, tracker.InFlightFor(Outbound));
    }

    [Fact]
    public void Poll_NoNonPreferredDelay_InboundAnnouncerRequestedAtOnce()
    {
        var tracker = new TxRequestTracker(nonPreferredDelay: 0);
        tracker.ReceivedInv(Inbound, _txid, preferred: false, T0);
        Assert.Equal([(Inbound, _txid)], Poll(tracker, T0));
    }

    [Fact]
    public void Poll_OnlyInboundAnnouncer_WaitsTwoSeconds()
    {
        var tracker = new TxRequestTracker();
        tracker.ReceivedInv(Inbound, _txid, preferred: false, T0);
        Assert.Empty(Poll(tracker, T0 + TxRequestTracker.NonPreferredDelay - 1));
        Assert.Equal(T0 + TxRequestTracker.NonPreferredDelay, tracker.NextWakeup);
        Assert.Equal([(Inbound, _txid)], Poll(tracker, T0 + TxRequestTracker.NonPreferredDelay));
    }

    [Fact]
    public void Poll_RequestTimesOut_AsksNextAnnouncer()
    {
        var tracker = new TxRequestTracker();
        tracker.ReceivedInv(Outbound, _txid, preferred: true, T0);
        tracker.ReceivedInv(Other, _txid, preferred: true, T0 + 1);
        Assert.Equal([(Outbound, _txid)], Poll(tracker, T0 + 1));
        Assert.Empty(Poll(tracker, T0 + TxRequestTracker.RequestTimeout));
        Assert.Equal([(Other, _txid)], Poll(tracker, T0 + 1 + TxRequestTracker.RequestTimeout));
        Assert.Equal(0, tracker.InFlightFor(Outbound));
    }

    [Fact]
    public void ReceivedResponse_NotFound_AsksNextAnnouncerAtOnce()
    {
        var tracker = new TxRequestTracker();
        tracker.ReceivedInv(Outbound, _txid, preferred: true, T0);
        tracker.ReceivedInv(Other, _txid, preferred: true, T0);
        Poll(tracker, T0);
        tracker.ReceivedResponse(Outbound, _txid, notFound: true, T0 + 100);
        Assert.Equal([(Other, _txid)], Poll(tracker, T0 + 100));
    }

    [Fact]
    public void ReceivedResponse_NotFoundFromLastAnnouncer_Forgotten()
    {
        var tracker = new TxRequestTracker();
        tracker.ReceivedInv(Outbound, _txid, preferred: true, T0);
        Poll(tracker, T0);
        tracker.ReceivedResponse(Outbound, _txid, notFound: true, T0);
        Assert.False(tracker.IsTracked(_txid));
        Assert.Equal(0, tracker.InFlightFor(Outbound));
    }

    [Fact]
    public void RemovePeer_InFlight_MovesToOtherAnnouncer()
    {
        var tracker = new TxRequestTracker();
        tracker.ReceivedInv(Outbound, _txid, preferred: true, T0);
        tracker.ReceivedInv(Other, _txid, preferred: true, T0);
        Poll(tracker, T0);
        tracker.RemovePeer(Outbound, T0 + 5);
        Assert.Equal([(Other, _txid)], Poll(tracker, T0 + 5));
    }

    [Fact]
    public void Poll_PeerAtInFlightLimit_NotAskedForMore()
    {
        var tracker = new TxRequestTracker();
        var random = new Random(2);
        var ids = Enumerable.Range(0, TxRequestTracker.MaxInFlightPerPeer + 10).Select(_ => RelayKit.RandomHash(random)).ToList();
        foreach (var id in ids) tracker.ReceivedInv(Outbound, id, preferred: true, T0);
        Assert.Equal(TxRequestTracker.MaxInFlightPerPeer, Poll(tracker, T0).Count);
        tracker.ReceivedResponse(Outbound, ids[0], notFound: false, T0 + 1);
        tracker.Forget(ids[0]);
        Assert.Single(Poll(tracker, T0 + TxRequestTracker.BusyRecheck));
    }

    [Fact]
    public void ReceivedInv_OverPerPeerLimit_Ignored()
    {
        var tracker = new TxRequestTracker();
        var random = new Random(3);
        for (int i = 0; i < TxRequestTracker.MaxAnnouncementsPerPeer; i++)
            Assert.True(tracker.ReceivedInv(Inbound, RelayKit.RandomHash(random), preferred: false, T0));
        Assert.False(tracker.ReceivedInv(Inbound, RelayKit.RandomHash(random), preferred: false, T0));
    }
}

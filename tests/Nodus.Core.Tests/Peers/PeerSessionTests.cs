using System.Net;
using Nodus.Core;
using Nodus.Core.Peers;
using Nodus.Wire.Messages;
using Xunit;

namespace Nodus.Core.Tests.Peers;

/// <summary>Drives one engine with scripted messages from a fake peer and a fake clock: no sockets.</summary>
public sealed class PeerSessionTests
{
    private static readonly IPEndPoint Remote = new(IPAddress.Loopback, 18650);
    private const long T0 = 1_700_000_000 * Time.Second;

    private static Node NewNode(int seed = 1) => new(new NodeOptions(), new Random(seed));

    private static List<NodeOutput> Drain(Node node)
    {
        var outputs = new List<NodeOutput>();
        while (node.TryPollOutput(out var o)) outputs.Add(o);
        return outputs;
    }

    private static List<IMessage> Sent(IEnumerable<NodeOutput> outputs) =>
        outputs.OfType<SendMessage>().Select(s => s.Message).ToList();

    private static VersionMessage PeerVersion(ulong nonce = 42, int version = NodeOptions.CurrentProtocolVersion) => new()
    {
        Version = version,
        Services = 1,
        Timestamp = T0 / Time.Second,
        Nonce = nonce,
        UserAgent = "/Satoshi:27.0.0/",
        StartHeight = 7,
        Relay = true,
    };

    [Fact]
    public void Outbound_SpeaksFirst_WithVersion()
    {
        var node = NewNode();
        node.OnConnected(Remote, ConnectionType.Manual, T0);
        var sent = Sent(Drain(node));
        var version = Assert.IsType<VersionMessage>(Assert.Single(sent));
        Assert.Equal(70016, version.Version);
        Assert.NotEqual(0UL, version.Nonce);
        Assert.Equal("/Nodus:0.1.0/", version.UserAgent);
    }

    [Fact]
    public void Inbound_WaitsForVersion_ThenSendsVersionAndVerack()
    {
        var node = NewNode();
        var id = node.OnConnected(Remote, ConnectionType.Inbound, T0);
        Assert.Empty(Sent(Drain(node)));
        node.OnMessage(id, PeerVersion(), 100, T0);
        var sent = Sent(Drain(node));
        Assert.Collection(sent, m => Assert.IsType<VersionMessage>(m), m => Assert.IsType<VerackMessage>(m));
        node.OnMessage(id, new VerackMessage(), 24, T0);
        var peer = node.GetPeer(id)!;
        Assert.True(peer.IsEstablished);
        Assert.Equal("/Satoshi:27.0.0/", peer.UserAgent);
        Assert.Equal(7, peer.StartHeight);
    }

    [Fact]
    public void MessageBeforeVersion_IsViolation()
    {
        var node = NewNode();
        var id = node.OnConnected(Remote, ConnectionType.Inbound, T0);
        node.OnMessage(id, new PingMessage(1), 32, T0);
        var close = Assert.Single(Drain(node).OfType<ClosePeer>());
        Assert.Equal(DisconnectCode.ProtocolViolation, close.Reason.Code);
    }

    [Fact]
    public void SecondVersion_IsViolation()
    {
        var node = NewNode();
        var id = node.OnConnected(Remote, ConnectionType.Inbound, T0);
        node.OnMessage(id, PeerVersion(), 100, T0);
        node.OnMessage(id, PeerVersion(), 100, T0);
        var close = Assert.Single(Drain(node).OfType<ClosePeer>());
        Assert.Equal(DisconnectCode.ProtocolViolation, close.Reason.Code);
        Assert.Contains("duplicate version", close.Reason.Detail);
    }

    [Fact]
    public void UnknownCommand_AfterHandshake_IsSkipped()
    {
        var (node, id) = Established();
        node.OnUnknownMessage(id, "sendcmpct", 33, T0);
        node.OnUnknownMessage(id, "wtxidrelay", 24, T0);
        Assert.Empty(Drain(node).OfType<ClosePeer>());
        Assert.Equal(57, node.GetPeer(id)!.Traffic.ReceivedPerCommand[TrafficCounters.OtherCommand]);
    }

    [Fact]
    public void ObsoleteVersion_IsDisconnected()
    {
        var node = NewNode();
        var id = node.OnConnected(Remote, ConnectionType.Inbound, T0);
        node.OnMessage(id, PeerVersion(version: 209), 100, T0);
        Assert.Equal(DisconnectCode.ObsoleteVersion, Assert.Single(Drain(node).OfType<ClosePeer>()).Reason.Code);
    }

    [Fact]
    public void ConnectionToSelf_IsDetectedByNonce()
    {
        var node = NewNode();
        node.OnConnected(Remote, ConnectionType.Manual, T0);
        var ourVersion = Assert.IsType<VersionMessage>(Sent(Drain(node)).Single());
        // The same node accepts its own dial: the inbound side sees its own nonce.
        var inbound = node.OnConnected(new IPEndPoint(IPAddress.Loopback, 50000), ConnectionType.Inbound, T0);
        node.OnMessage(inbound, ourVersion, 100, T0);
        var close = Assert.Single(Drain(node).OfType<ClosePeer>());
        Assert.Equal(inbound, close.Peer);
        Assert.Equal(DisconnectCode.SelfConnection, close.Reason.Code);
    }

    [Fact]
    public void Handshake_NotFinishedIn60s_TimesOut()
    {
        var node = NewNode();
        var id = node.OnConnected(Remote, ConnectionType.Inbound, T0);
        Assert.Equal(T0 + 60 * Time.Second, node.NextWakeup);
        node.OnTimer(T0 + 59 * Time.Second);
        Assert.Empty(Drain(node).OfType<ClosePeer>());
        node.OnTimer(T0 + 60 * Time.Second);
        var close = Assert.Single(Drain(node).OfType<ClosePeer>());
        Assert.Equal((id, DisconnectCode.HandshakeTimeout), (close.Peer, close.Reason.Code));
    }

    [Fact]
    public void Ping_SentAtOnceAndEveryTwoMinutes_PongRecordsLatency()
    {
        var (node, id) = Established();
        node.OnTimer(T0);
        var ping = Assert.IsType<PingMessage>(Assert.Single(Sent(Drain(node))));
        node.OnMessage(id, new PongMessage(ping.Nonce), 32, T0 + 30 * Time.Millisecond);
        var peer = node.GetPeer(id)!;
        Assert.Equal(30 * Time.Millisecond, peer.LastPingTime);
        Assert.Equal(T0 + 2 * Time.Minute, node.NextWakeup);
        node.OnTimer(T0 + 2 * Time.Minute);
        Assert.IsType<PingMessage>(Assert.Single(Sent(Drain(node))));
    }

    [Fact]
    public void Ping_Unanswered20Minutes_Disconnects()
    {
        var (node, id) = Established();
        node.OnTimer(T0);
        Drain(node);
        node.OnTimer(T0 + 19 * Time.Minute);
        Assert.Empty(Drain(node).OfType<ClosePeer>());
        node.OnTimer(T0 + 20 * Time.Minute);
        var close = Assert.Single(Drain(node).OfType<ClosePeer>());
        Assert.Equal((id, DisconnectCode.PingTimeout), (close.Peer, close.Reason.Code));
    }

    [Fact]
    public void PeerPing_IsAnsweredWithSameNonce()
    {
        var (node, id) = Established();
        node.OnMessage(id, new PingMessage(0xdeadbeef), 32, T0);
        var pong = Assert.IsType<PongMessage>(Assert.Single(Sent(Drain(node))));
        Assert.Equal(0xdeadbeefUL, pong.Nonce);
    }

    [Fact]
    public void TwoEngines_CompleteHandshake_ThroughAPump()
    {
        var a = NewNode(1);
        var b = NewNode(2);
        var aId = a.OnConnected(new IPEndPoint(IPAddress.Loopback, 2), ConnectionType.Manual, T0);
        var bId = b.OnConnected(new IPEndPoint(IPAddress.Loopback, 1), ConnectionType.Inbound, T0);
        for (int round = 0; round < 5; round++)
        {
            foreach (var m in Sent(Drain(a))) b.OnMessage(bId, m, 0, T0);
            foreach (var m in Sent(Drain(b))) a.OnMessage(aId, m, 0, T0);
        }
        Assert.True(a.GetPeer(aId)!.IsEstablished);
        Assert.True(b.GetPeer(bId)!.IsEstablished);
    }

    [Fact]
    public void Ping_KeepAliveOff_NeverSentAndNoWakeupForIt()
    {
        var (node, id) = Established(new NodeOptions { PingInterval = Time.Never });
        Assert.Equal(Time.Never, node.NextWakeup);
        node.OnTimer(T0 + 60 * Time.Minute);
        Assert.Empty(Sent(Drain(node)).OfType<PingMessage>());
        node.OnMessage(id, new PingMessage(5), 32, T0 + 61 * Time.Minute); // the peer's pings are still answered
        Assert.Equal(5ul, Assert.IsType<PongMessage>(Assert.Single(Sent(Drain(node)))).Nonce);
    }

    private static (Node, PeerId) Established(NodeOptions? options = null)
    {
        var node = options is null ? NewNode() : new Node(options, new Random(1));
        var id = node.OnConnected(Remote, ConnectionType.Inbound, T0);
        node.OnMessage(id, PeerVersion(), 100, T0);
        node.OnMessage(id, new VerackMessage(), 24, T0);
        Drain(node);
        return (node, id);
    }
}

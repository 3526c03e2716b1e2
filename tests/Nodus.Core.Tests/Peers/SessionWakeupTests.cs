using System.Net;
using Nodus.Core;
using Nodus.Core.Peers;
using Nodus.Wire.Messages;
using Xunit;

namespace Nodus.Core.Tests.Peers;

/// <summary>
/// The engine keeps the earliest peer session deadline incrementally (it no longer walks every peer after each
/// input): after any sequence of connects, handshakes, pings, pongs, timers and closes it must equal the minimum
/// recomputed from scratch.
/// </summary>
public sealed class SessionWakeupTests
{
    private const long T0 = 1_700_000_000 * Time.Second;

    private static VersionMessage PeerVersion(ulong nonce) => new()
    {
        Version = NodeOptions.CurrentProtocolVersion,
        Services = 1,
        Timestamp = T0 / Time.Second,
        Nonce = nonce,
        UserAgent = "/Satoshi:27.0.0/",
    };

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void NextWakeup_MatchesAWalkOverEveryPeer(int seed)
    {
        var options = new NodeOptions { HandshakeTimeout = 60 * Time.Second, PingInterval = 2 * Time.Minute, PingTimeout = 20 * Time.Minute };
        var node = new Node(options, new Random(seed));
        var script = new Random(seed + 100);
        var pings = new Dictionary<PeerId, ulong>(); // the nonce of the ping each peer has outstanding from us
        var ids = new List<PeerId>();
        long now = T0;
        int port = 1;
        for (int step = 0; step < 4_000; step++)
        {
            now += script.Next(0, 3) == 0 ? 0 : script.NextInt64(1, 90 * Time.Second);
            var open = ids.Where(id => node.GetPeer(id) is not null).ToList();
            var peer = open.Count == 0 ? null : node.GetPeer(open[script.Next(open.Count)]);
            switch (script.Next(10))
            {
                case 0 when open.Count < 12:
                    ids.Add(node.OnConnected(new IPEndPoint(IPAddress.Loopback, port++),
                        script.Next(2) == 0 ? ConnectionType.Inbound : ConnectionType.OutboundFullRelay, now));
                    break;
                case 1 when peer is { State: HandshakeState.AwaitingVersion }:
                    node.OnMessage(peer.Id, PeerVersion((ulong)script.NextInt64(1, long.MaxValue)), 100, now);
                    break;
                case 2 when peer is { State: HandshakeState.AwaitingVerack }:
                    node.OnMessage(peer.Id, new VerackMessage(), 24, now);
                    break;
                case 3 when peer is not null:
                    // A pong answering our ping (a late or wrong one when we have none outstanding).
                    node.OnMessage(peer.Id, new PongMessage(pings.GetValueOrDefault(peer.Id, 7UL)), 32, now);
                    break;
                case 4 when peer is not null:
                    node.OnMessage(peer.Id, new PingMessage(9), 32, now);
                    break;
                case 5 when peer is not null && script.Next(4) == 0:
                    node.OnDisconnected(peer.Id, now);
                    break;
                case 6 when peer is not null && script.Next(4) == 0:
                    node.OnProtocolError(peer.Id, "bad checksum", now);
                    break;
                default:
                    now = Math.Max(now, Math.Min(node.NextWakeup, now + Time.Hour));
                    node.OnTimer(now);
                    break;
            }
            while (node.TryPollOutput(out var output))
            {
                if (output is SendMessage { Message: PingMessage ping } send) pings[send.Peer] = ping.Nonce;
                else if (output is ClosePeer close && script.Next(2) == 0) node.OnDisconnected(close.Peer, now);
            }
            long expected = node.Peers.Select(p => PeerSession.NextDeadline(p, options)).DefaultIfEmpty(Time.Never).Min();
            Assert.Equal(expected, node.NextWakeup);
        }
    }
}

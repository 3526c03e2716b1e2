using System.Net;
using Nodus.Core;
using Nodus.Core.Peers;
using Nodus.Wire.Messages;
using Xunit;

namespace Nodus.Core.Tests.Peers;

/// <summary>
/// The engine keeps the earliest peer session deadline incrementally (it no longer walks every peer after each
/// input): after any sequence of connects, handshakes, pings, pongs, timers and closes it must equal the minimum
/// recomputed from scratch, and peers due at the same time must be served in the engine's peer order.
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
        var closing = new List<PeerId>();
        long now = T0;
        int port = 1, together = 0;
        for (int step = 0; step < 4_000; step++)
        {
            // Mostly short steps (handshakes complete), sometimes long ones (timeouts, several peers due at once).
            now += script.Next(20) switch
            {
                0 => 0,
                < 16 => script.NextInt64(1, Time.Second),
                < 19 => script.NextInt64(1, 30 * Time.Second),
                _ => script.NextInt64(1, 25 * Time.Minute),
            };
            var open = ids.Where(id => node.GetPeer(id) is not null).ToList();
            var peer = open.Count == 0 ? null : node.GetPeer(open[script.Next(open.Count)]);
            Peer? Awaiting(HandshakeState state)
            {
                var inState = open.Select(id => node.GetPeer(id)!).Where(p => p.State == state).ToList();
                return inState.Count == 0 ? null : inState[script.Next(inState.Count)];
            }
            switch (script.Next(16))
            {
                case < 2 when open.Count < 12:
                    ids.Add(node.OnConnected(new IPEndPoint(IPAddress.Loopback, port++),
                        script.Next(2) == 0 ? ConnectionType.Inbound : ConnectionType.OutboundFullRelay, now));
                    break;
                case < 4 when Awaiting(HandshakeState.AwaitingVersion) is { } fresh:
                    node.OnMessage(fresh.Id, PeerVersion((ulong)script.NextInt64(1, long.MaxValue)), 100, now);
                    break;
                case < 6 when Awaiting(HandshakeState.AwaitingVerack) is { } greeted:
                    node.OnMessage(greeted.Id, new VerackMessage(), 24, now);
                    break;
                case < 8 when Awaiting(HandshakeState.Established) is { } pinged:
                    // A pong answering our ping (a late or wrong one when we have none outstanding).
                    node.OnMessage(pinged.Id, new PongMessage(pings.GetValueOrDefault(pinged.Id, 7UL)), 32, now);
                    break;
                case 8 when peer is not null && (peer.IsEstablished || script.Next(8) == 0):
                    // Before the handshake completes this is a violation that closes the peer.
                    node.OnMessage(peer.Id, new PingMessage(9), 32, now);
                    break;
                case 9 when peer is not null && script.Next(4) == 0:
                    node.OnDisconnected(peer.Id, now);
                    break;
                case 10 when peer is not null && script.Next(4) == 0:
                    node.OnProtocolError(peer.Id, "bad checksum", now);
                    break;
                default:
                    // Usually a timer that finds nothing due (a behaviour's), sometimes the clock jumps to the wakeup.
                    if (script.Next(8) == 0) now = Math.Max(now, Math.Min(node.NextWakeup, now + Time.Hour));
                    node.OnTimer(now);
                    break;
            }
            // Peers due together are pinged in the engine's peer order (each ping draws a nonce from its random stream).
            var order = node.Peers.Select(p => p.Id).ToList();
            var pingedNow = new List<PeerId>();
            while (node.TryPollOutput(out var output))
            {
                if (output is SendMessage { Message: PingMessage ping } send)
                {
                    pings[send.Peer] = ping.Nonce;
                    pingedNow.Add(send.Peer);
                }
                else if (output is ClosePeer close) closing.Add(close.Peer);
            }
            Assert.Equal(pingedNow.OrderBy(order.IndexOf), pingedNow);
            // The runtime reports a close some steps later: a closing peer stays in the table meanwhile.
            if (closing.Count > 0 && script.Next(3) == 0)
            {
                foreach (var id in closing) node.OnDisconnected(id, now);
                closing.Clear();
            }
            if (pingedNow.Count > 1) together++;
            long expected = node.Peers.Select(p => PeerSession.NextDeadline(p, options)).DefaultIfEmpty(Time.Never).Min();
            Assert.Equal(expected, node.NextWakeup);
        }
        Assert.True(together > 10, $"only {together} timers pinged several peers");
    }
}

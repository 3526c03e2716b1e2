using System.Net;
using Nodus.Core.Discovery;
using Nodus.Core.Peers;
using Nodus.Wire.Messages;
using Nodus.Wire.Types;

namespace Nodus.Core.Tests.Discovery;

/// <summary>
/// One real node (engine + discovery) in a fake network with a fake clock: the harness plays every remote peer's
/// side of the handshake, answers dials by <see cref="Online"/>, and records what the node sends. No sockets.
/// </summary>
internal sealed class FakeNetwork
{
    public const long T0 = 1_700_000_000 * Time.Second;

    public FakeNetwork(DiscoveryOptions options, IAddressStore? store = null, int seed = 1, NodeOptions? nodeOptions = null, long start = T0)
    {
        Now = start;
        Store = store ?? new MemoryAddressStore();
        Node = new Node(nodeOptions ?? new NodeOptions(), new Random(seed));
        Discovery = DiscoveryService.Attach(Node, options, Store);
    }

    public Node Node { get; }
    public DiscoveryService Discovery { get; }
    public IAddressStore Store { get; }
    public long Now { get; private set; }

    /// <summary>Whether a dial to an address succeeds.</summary>
    public Func<IPEndPoint, bool> Online { get; set; } = _ => true;

    public List<DialPeer> Dials { get; } = [];
    public List<ResolveSeeds> SeedRequests { get; } = [];
    public List<(PeerId Peer, IMessage Message)> Sent { get; } = [];
    public List<(PeerId Peer, DisconnectReason Reason)> Closed { get; } = [];
    public List<string> LogLines { get; } = [];
    /// <summary>Called for every non-handshake message the node sends to a remote peer.</summary>
    public Action<Peer, IMessage>? OnSent { get; set; }

    public AddressManager Addresses => Discovery.Addresses;

    public IEnumerable<Peer> Established(ConnectionType type) => Node.Peers.Where(p => p.IsEstablished && p.ConnectionType == type);

    public void Start()
    {
        Node.Start(Now);
        Pump();
    }

    public void Shutdown()
    {
        Node.Shutdown(Now);
        Pump();
    }

    /// <summary>Advances the clock to <paramref name="until"/>, firing every timer on the way.</summary>
    public void RunUntil(long until)
    {
        long next;
        while ((next = Node.NextWakeup) <= until)
        {
            Now = Math.Max(Now, next);
            Node.OnTimer(Now);
            Pump();
        }
        Now = Math.Max(Now, until);
    }

    public void Run(long duration) => RunUntil(Now + duration);

    /// <summary>A remote peer connects to us; returns its id, or null when the node refuses.</summary>
    public PeerId? ConnectInbound(IPEndPoint remote)
    {
        if (!Node.ShouldAcceptInbound(remote, Now)) { Pump(); return null; }
        Pump(); // an eviction's ClosePeer
        var id = Node.OnConnected(remote, ConnectionType.Inbound, Now);
        Node.OnMessage(id, RemoteVersion(remote), 0, Now);
        Pump();
        return id;
    }

    public void Deliver(PeerId peer, IMessage message)
    {
        Node.OnMessage(peer, message, 0, Now);
        Pump();
    }

    public void Disconnect(PeerId peer)
    {
        Node.OnDisconnected(peer, Now, "remote closed");
        Pump();
    }

    public void Pump()
    {
        while (Node.TryPollOutput(out var output))
        {
            switch (output)
            {
                case DialPeer dial:
                    Dials.Add(dial);
                    if (Online(dial.EndPoint))
                    {
                        var id = Node.OnConnected(dial.EndPoint, dial.Type, Now);
                        _ = id; // the node speaks first; its version is answered below
                    }
                    else Node.OnDialFailed(dial.EndPoint, dial.Type, "connection refused", Now);
                    break;
                case SendMessage send:
                    var peer = Node.GetPeer(send.Peer);
                    if (peer is null) break;
                    if (send.Message is VersionMessage)
                    {
                        if (!peer.IsInbound) Node.OnMessage(peer.Id, RemoteVersion(peer.Remote), 0, Now);
                        Node.OnMessage(peer.Id, new VerackMessage(), 0, Now);
                        break;
                    }
                    if (send.Message is PingMessage ping) { Node.OnMessage(peer.Id, new PongMessage(ping.Nonce), 0, Now); break; }
                    if (send.Message is VerackMessage or PongMessage) break;
                    Sent.Add((send.Peer, send.Message));
                    OnSent?.Invoke(peer, send.Message);
                    break;
                case ClosePeer close:
                    Closed.Add((close.Peer, close.Reason));
                    Node.OnDisconnected(close.Peer, Now);
                    break;
                case ResolveSeeds seeds:
                    SeedRequests.Add(seeds);
                    break;
                case LogLine log:
                    LogLines.Add(log.Message);
                    break;
            }
        }
    }

    private VersionMessage RemoteVersion(IPEndPoint remote) => new()
    {
        Version = NodeOptions.CurrentProtocolVersion,
        Services = NodeOptions.NodeNetwork | NodeOptions.NodeWitness,
        Timestamp = Time.ToUnixSeconds(Now),
        Receiver = new NetAddress(new IPEndPoint(IPAddress.Parse("45.33.1.7"), 8333), 0),
        Nonce = 0x5eed_0000_0001,
        UserAgent = "/fake:1.0/",
        Relay = true,
    };

    public static IPEndPoint Ep(AddressKey key) => key.EndPoint;

    public static TimestampedAddress Wire(AddressKey key, long seen) =>
        new((uint)Time.ToUnixSeconds(seen), new NetAddress(key.EndPoint, NodeOptions.NodeNetwork));
}

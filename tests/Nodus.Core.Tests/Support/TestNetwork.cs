using System.Buffers;
using System.Net;
using Nodus.Core.Peers;
using Nodus.Wire.Framing;
using Nodus.Wire.Messages;

namespace Nodus.Core.Tests.Support;

/// <summary>
/// Several <see cref="Node"/>s joined by an in-memory message pump and one fake clock: no sockets, no threads.
/// Every message is encoded and decoded with <see cref="MessageCodec"/> on the way, so the codec is exercised as on
/// a real link. Deterministic: node seeds come from the network seed, events are ordered by time then sequence.
/// </summary>
public sealed class TestNetwork
{
    /// <summary>Virtual start time: 2027, after every network's genesis block, so mined blocks are not from the future.</summary>
    public const long T0 = 1_800_000_000 * Time.Second;

    private readonly record struct Link(int Node, PeerId Peer);

    private abstract record Event(int Node);
    private sealed record Delivery(int Node, PeerId Peer, IMessage Message, int WireSize) : Event(Node);
    private sealed record Disconnection(int Node, PeerId Peer) : Event(Node);

    private readonly List<Node> _nodes = [];
    private readonly Dictionary<Link, Link> _links = [];
    private readonly PriorityQueue<Event, (long Time, long Seq)> _events = new();
    private readonly Random _seeds;
    private long _seq;

    public TestNetwork(int seed = 1, long latency = 50 * Time.Millisecond)
    {
        _seeds = new Random(seed);
        Latency = latency;
    }

    public long Now { get; private set; } = T0;
    public long Latency { get; set; }
    public IReadOnlyList<Node> Nodes => _nodes;
    public Node this[int index] => _nodes[index];

    /// <summary>Return false to drop a message (from node, to node, message): a black hole or a partition.</summary>
    public Func<int, int, IMessage, bool>? Filter { get; set; }

    /// <summary>Every message handed to the link (from node, to node, message, send time), dropped ones included.</summary>
    public event Action<int, int, IMessage, long>? MessageSent;

    public List<(int Node, LogLine Line)> Logs { get; } = [];

    public int AddNode(NodeOptions? options = null, Action<Node>? configure = null) =>
        AddNode(random =>
        {
            var node = new Node(options ?? new NodeOptions(), random);
            configure?.Invoke(node);
            return node;
        });

    /// <summary>Adds an engine built by <paramref name="create"/> (e.g. a <see cref="FullNode"/>'s) from the network's seeds.</summary>
    public int AddNode(Func<Random, Node> create)
    {
        var node = create(new Random(_seeds.Next()));
        _nodes.Add(node);
        node.Start(Now);
        return _nodes.Count - 1;
    }

    /// <summary>Every connection a node closed, with its reason.</summary>
    public List<(int Node, DisconnectReason Reason)> Closed { get; } = [];

    /// <summary>Runs in small steps until <paramref name="done"/> holds or <paramref name="limit"/> of virtual time passes.</summary>
    public bool RunUntil(Func<bool> done, long limit)
    {
        long end = Now + limit;
        while (!done() && Now < end) RunFor(10 * Time.Millisecond);
        return done();
    }

    /// <summary>Opens a connection from <paramref name="from"/> (outbound) to <paramref name="to"/> (inbound).</summary>
    public (PeerId OnFrom, PeerId OnTo) Connect(int from, int to, ConnectionType type = ConnectionType.OutboundFullRelay)
    {
        var a = _nodes[from].OnConnected(EndPoint(to), type, Now);
        var b = _nodes[to].OnConnected(EndPoint(from), ConnectionType.Inbound, Now);
        _links[new Link(from, a)] = new Link(to, b);
        _links[new Link(to, b)] = new Link(from, a);
        Pump();
        return (a, b);
    }

    /// <summary>The peer id under which <paramref name="node"/> knows <paramref name="other"/>.</summary>
    public PeerId PeerIdOf(int node, int other) =>
        _links.First(kv => kv.Key.Node == node && kv.Value.Node == other).Key.Peer;

    /// <summary>The node on the other end of <paramref name="node"/>'s connection <paramref name="peer"/>.</summary>
    public int NodeBehind(int node, PeerId peer) => _links[new Link(node, peer)].Node;

    /// <summary>Sends <paramref name="message"/> from node <paramref name="from"/> over its connection to
    /// <paramref name="to"/>, as if <paramref name="from"/>'s software had sent it (a scripted or spying peer).</summary>
    public void SendFrom(int from, int to, IMessage message)
    {
        Send(from, PeerIdOf(from, to), message);
    }

    /// <summary>Runs events and timers until the clock reaches <paramref name="until"/> or nothing is left.</summary>
    public void RunUntil(long until)
    {
        Pump();
        // A node's wakeup changes only when it handles an input, so it is cached and refreshed for that node only.
        var wakeups = _nodes.Select(n => n.NextWakeup).ToArray();
        while (true)
        {
            long nextEvent = _events.TryPeek(out _, out var key) ? key.Time : Time.Never;
            long nextTimer = Time.Never;
            int timerNode = -1;
            for (int i = 0; i < wakeups.Length; i++)
            {
                if (wakeups[i] < nextTimer) { nextTimer = wakeups[i]; timerNode = i; }
            }
            long next = Math.Min(nextEvent, nextTimer);
            if (next > until) break;
            Now = Math.Max(Now, next);
            if (nextEvent <= nextTimer)
            {
                var ev = _events.Dequeue();
                var node = _nodes[ev.Node];
                switch (ev)
                {
                    case Delivery d: node.OnMessage(d.Peer, d.Message, d.WireSize, Now); break;
                    case Disconnection c: node.OnDisconnected(c.Peer, Now); break;
                }
                wakeups[ev.Node] = node.NextWakeup;
            }
            else
            {
                _nodes[timerNode].OnTimer(Now);
                wakeups[timerNode] = _nodes[timerNode].NextWakeup;
            }
            Pump();
        }
        Now = Math.Max(Now, until);
    }

    public void RunFor(long duration) => RunUntil(Now + duration);

    /// <summary>Drains every node's outputs into the event queue.</summary>
    public void Pump()
    {
        for (int i = 0; i < _nodes.Count; i++)
        {
            while (_nodes[i].TryPollOutput(out var output))
            {
                switch (output)
                {
                    case SendMessage send: Send(i, send.Peer, send.Message); break;
                    case ClosePeer close: Closed.Add((i, close.Reason)); Close(i, close.Peer); break;
                    case LogLine line: Logs.Add((i, line)); break;
                }
            }
        }
    }

    private void Send(int from, PeerId peer, IMessage message)
    {
        if (!_links.TryGetValue(new Link(from, peer), out var to)) return;
        MessageSent?.Invoke(from, to.Node, message, Now);
        if (Filter is not null && !Filter(from, to.Node, message)) return;
        var payload = MessageCodec.EncodePayload(message);
        var decoded = MessageCodec.Decode(message.Command, new ReadOnlySequence<byte>(payload));
        if (decoded.Message is null) throw new InvalidOperationException($"{message.Command} did not round-trip: {decoded.Error}");
        int wireSize = MessageHeader.Size + payload.Length;
        _nodes[from].RecordSent(peer, message.Command, wireSize, Now);
        _events.Enqueue(new Delivery(to.Node, to.Peer, decoded.Message, wireSize), (Now + Latency, _seq++));
    }

    private void Close(int node, PeerId peer)
    {
        _events.Enqueue(new Disconnection(node, peer), (Now, _seq++));
        if (_links.Remove(new Link(node, peer), out var other))
        {
            _links.Remove(other);
            _events.Enqueue(new Disconnection(other.Node, other.Peer), (Now + Latency, _seq++));
        }
    }

    private static IPEndPoint EndPoint(int node) => new(new IPAddress([127, 0, (byte)(node >> 8), (byte)(node & 0xff)]), 18444);
}

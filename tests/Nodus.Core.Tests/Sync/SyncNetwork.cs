using System.Buffers;
using System.Net;
using Nodus.Core;
using Nodus.Core.Chain;
using Nodus.Core.Mining;
using Nodus.Core.Peers;
using Nodus.Core.Sync;
using Nodus.Wire.Framing;
using Nodus.Wire.Messages;

namespace Nodus.Core.Tests.Sync;

/// <summary>
/// A few full engines (chain, sync, mining) joined by in-memory links in virtual time. Every message goes through
/// the real codec (encode, frame, decode), so what a node receives is what the wire would carry.
/// </summary>
internal sealed class SyncNetwork
{
    public const long Start = 1_800_000_000 * Time.Second;
    private static readonly long Latency = 5 * Time.Millisecond;

    private readonly PriorityQueue<Action, (long, long)> _events = new();
    private long _seq;

    public long Now { get; private set; } = Start;
    public List<SyncNode> Nodes { get; } = [];
    public NetworkParams Network { get; } = Networks.Regtest;

    /// <summary>Drops messages for which this returns true (a stalling or lossy peer).</summary>
    public Func<SyncNode, SyncNode, IMessage, bool> Drop { get; set; } = (_, _, _) => false;

    public SyncNode AddNode(SyncOptions? options = null)
    {
        var index = Nodes.Count + 1;
        var node = new SyncNode(this, index, Network, options);
        Nodes.Add(node);
        return node;
    }

    public void Connect(SyncNode from, SyncNode to)
    {
        var fromId = from.Engine.OnConnected(to.EndPoint, ConnectionType.Manual, Now);
        var toId = to.Engine.OnConnected(from.EndPoint, ConnectionType.Inbound, Now);
        from.Links[fromId] = (to, toId);
        to.Links[toId] = (from, fromId);
        Pump(from);
        Pump(to);
    }

    public void Disconnect(SyncNode a, SyncNode b)
    {
        foreach (var (id, link) in a.Links.ToList())
            if (link.Node == b)
            {
                a.Links.Remove(id);
                b.Links.Remove(link.PeerId);
                a.Engine.OnDisconnected(id, Now);
                b.Engine.OnDisconnected(link.PeerId, Now);
            }
    }

    internal void Pump(SyncNode node)
    {
        while (node.Engine.TryPollOutput(out var output))
        {
            switch (output)
            {
                case SendMessage send when node.Links.TryGetValue(send.Peer, out var link):
                    if (Drop(node, link.Node, send.Message)) break;
                    var frame = FrameWriter.Serialize(Network.Magic, send.Message);
                    node.Engine.RecordSent(send.Peer, send.Message.Command, frame.Length, Now);
                    Schedule(Now + Latency, () => Deliver(link.Node, link.PeerId, frame));
                    break;
                case ClosePeer close when node.Links.Remove(close.Peer, out var link):
                    node.Closed.Add(close.Reason);
                    link.Node.Links.Remove(link.PeerId);
                    node.Engine.OnDisconnected(close.Peer, Now);
                    link.Node.Engine.OnDisconnected(link.PeerId, Now);
                    Pump(link.Node);
                    break;
            }
        }
        ScheduleTimer(node);
    }

    private void Deliver(SyncNode node, PeerId peer, byte[] frame)
    {
        if (!node.Links.ContainsKey(peer)) return;
        var buffer = new ReadOnlySequence<byte>(frame);
        var result = FrameReader.TryRead(ref buffer, Network.Magic);
        if (result.Status == ReadStatus.Message) node.Engine.OnMessage(peer, result.Message!, result.WireSize, Now);
        else node.Engine.OnProtocolError(peer, result.Error ?? result.Status.ToString(), Now);
        Pump(node);
    }

    private void ScheduleTimer(SyncNode node)
    {
        long wake = node.Engine.NextWakeup;
        if (wake == Time.Never || wake == node.ScheduledWake) return;
        node.ScheduledWake = wake;
        Schedule(Math.Max(wake, Now), () =>
        {
            if (node.ScheduledWake != wake) return;
            node.ScheduledWake = Time.Never;
            node.Engine.OnTimer(Now);
            Pump(node);
        });
    }

    private void Schedule(long at, Action action) => _events.Enqueue(action, (at, _seq++));

    /// <summary>Runs every event due within <paramref name="duration"/> of virtual time.</summary>
    public void RunFor(long duration)
    {
        long until = Now + duration;
        while (_events.TryPeek(out _, out var key) && key.Item1 <= until)
        {
            var action = _events.Dequeue();
            Now = Math.Max(Now, key.Item1);
            action();
        }
        Now = until;
    }

    /// <summary>Runs until <paramref name="done"/> holds or <paramref name="limit"/> of virtual time passes.</summary>
    public bool RunUntil(Func<bool> done, long limit)
    {
        long until = Now + limit;
        while (!done())
        {
            if (!_events.TryDequeue(out var action, out var key) || key.Item1 > until) return done();
            Now = Math.Max(Now, key.Item1);
            action();
        }
        return true;
    }
}

internal sealed class SyncNode
{
    private readonly SyncNetwork _network;

    public SyncNode(SyncNetwork network, int index, NetworkParams parameters, SyncOptions? options)
    {
        _network = network;
        EndPoint = new IPEndPoint(IPAddress.Parse($"127.0.0.{index}"), parameters.DefaultPort);
        Full = FullNode.Create(parameters, new InMemoryChainStore(), new FullNodeOptions { Sync = options ?? new SyncOptions() }, new Random(index));
    }

    public FullNode Full { get; }
    public Node Engine => Full.Engine;
    public ChainState Chain => Full.Chain;
    public BlockSync Sync => Full.Sync;
    public BlockProducer Producer => Full.Producer;

    public IPEndPoint EndPoint { get; }
    public Dictionary<PeerId, (SyncNode Node, PeerId PeerId)> Links { get; } = [];
    public List<DisconnectReason> Closed { get; } = [];
    internal long ScheduledWake = Time.Never;

    public void Mine(int blocks)
    {
        Producer.Generate(blocks, _network.Now);
        _network.Pump(this);
    }
}

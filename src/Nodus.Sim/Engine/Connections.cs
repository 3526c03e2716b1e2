using Nodus.Core.Peers;

namespace Nodus.Sim.Engine;

/// <summary>
/// One virtual TCP connection between simulated nodes A (the dialer) and B (the acceptor). Each side is open from
/// its OnConnected until its OnDisconnected. Arrival times per direction only grow, so the stream stays in order
/// (TCP is FIFO even when latency samples are not).
/// </summary>
internal struct VirtualConnection
{
    public int A, B;
    /// <summary>Each side's peer in its node's engine, once connected: a delivery hands it to the engine as is, without
    /// the engine's peer-table lookup (no CPU difference measured at 10,000 nodes; it also spares two lookups per verack).</summary>
    public Peer? PeerA, PeerB;
    public ConnectionType Type;
    public bool OpenA, OpenB;
    /// <summary>The dial failed or was abandoned: the pending DialComplete must not open A's side.</summary>
    public bool Aborted;
    public long LastArrivalAtA, LastArrivalAtB;
    /// <summary>Events in the queue that refer to this connection; the slot is reused only when none are left.</summary>
    public int Pending;

    public readonly bool IsDone => !OpenA && !OpenB && Pending == 0;
}

/// <summary>Which connection a node's peer id belongs to.</summary>
internal readonly record struct PeerLink(PeerId Peer, int Connection);

/// <summary>
/// The connection table and each node's peer-id → connection map. Per node a small array searched linearly: a node has
/// tens of connections (bounded by the engine's limits), and this costs far less memory than a dictionary per node.
/// </summary>
internal sealed class ConnectionTable
{
    private VirtualConnection[] _connections = new VirtualConnection[1024];
    private readonly Stack<int> _free = new();
    /// <summary>Each node's links and their count side by side: every send looks them up at a random node.</summary>
    private struct NodeLinks
    {
        public PeerLink[]? Items;
        public int Count;
    }

    private readonly NodeLinks[] _links;
    private int _used;

    public ConnectionTable(int nodes)
    {
        _links = new NodeLinks[nodes];
    }

    public int Open { get; private set; }

    /// <summary>Sizes the table for <paramref name="count"/> connections at once (the planned topology), so a
    /// million-node run does not double an array of millions of connections, holding both copies while it does.</summary>
    public void Reserve(int count)
    {
        if (count > _connections.Length) Array.Resize(ref _connections, count);
    }

    public ref VirtualConnection this[int id] => ref _connections[id];

    public int Create(int a, int b, ConnectionType type)
    {
        int id;
        if (_free.Count > 0) id = _free.Pop();
        else
        {
            if (_used == _connections.Length) Array.Resize(ref _connections, _connections.Length * 2);
            id = _used++;
        }
        _connections[id] = new VirtualConnection { A = a, B = b, Type = type };
        Open++;
        return id;
    }

    /// <summary>Frees the slot once neither side is open and no event can refer to it any more.</summary>
    public void Release(int id)
    {
        _connections[id] = default;
        _free.Push(id);
        Open--;
    }

    /// <summary>Room for <paramref name="count"/> links of a node that has none yet (<see cref="SimRuntime.ExpectedPeers"/>).</summary>
    public void ReserveLinks(int node, int count)
    {
        ref var l = ref _links[node];
        if (l.Items is null || (l.Count == 0 && l.Items.Length < count)) l.Items = new PeerLink[Math.Max(InitialLinks, count)];
    }

    /// <summary>A node's first link array: most simulated nodes hold 8–20 links, grown by half from here.</summary>
    private const int InitialLinks = 4;

    public void Link(int node, PeerId peer, int connection)
    {
        ref var l = ref _links[node];
        var links = l.Items ??= new PeerLink[InitialLinks];
        if (l.Count == links.Length)
        {
            // By half: a node has tens of links, and doubling would leave a third of a million arrays unused.
            Array.Resize(ref links, links.Length + links.Length / 2);
            l.Items = links;
        }
        links[l.Count++] = new PeerLink(peer, connection);
    }

    public void Unlink(int node, PeerId peer)
    {
        ref var l = ref _links[node];
        var links = l.Items;
        if (links is null) return;
        int n = l.Count;
        for (int i = 0; i < n; i++)
        {
            if (links[i].Peer != peer) continue;
            links[i] = links[n - 1];
            links[n - 1] = default;
            l.Count = n - 1;
            return;
        }
    }

    public int Find(int node, PeerId peer)
    {
        var (links, n) = (_links[node].Items, _links[node].Count);
        if (links is null) return -1;
        for (int i = 0; i < n; i++)
            if (links[i].Peer == peer) return links[i].Connection;
        return -1;
    }

    public int LinkCount(int node) => _links[node].Count;

    public ReadOnlySpan<PeerLink> Links(int node) => _links[node].Items is { } l ? l.AsSpan(0, _links[node].Count) : default;
}

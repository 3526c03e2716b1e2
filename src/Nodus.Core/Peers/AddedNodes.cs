using System.Net;

namespace Nodus.Core.Peers;

public enum AddNodeCommand { Add, Remove, OneTry }

/// <summary>One address the user asked to stay connected to (addnode add, or -connect / -addnode at start).</summary>
public sealed class AddedNode
{
    public AddedNode(IPEndPoint endPoint) => EndPoint = endPoint;
    public IPEndPoint EndPoint { get; }
    public PeerId? Connected { get; internal set; }
    public bool Dialing { get; internal set; }
    public long NextAttempt { get; internal set; }
}

/// <summary>
/// Manual connections: kept open and redialled when they drop, as Bitcoin Core's ThreadOpenAddedConnections does.
/// </summary>
public sealed class AddedNodes
{
    /// <summary>Bitcoin Core retries added nodes every 60 seconds (ThreadOpenAddedConnections).</summary>
    public static readonly long RetryInterval = 60 * Time.Second;

    /// <summary>A bound on the list so an RPC caller cannot grow it without limit.</summary>
    public const int MaxAddedNodes = 256;

    private readonly List<AddedNode> _nodes = [];

    public IReadOnlyList<AddedNode> All => _nodes;

    public AddedNode? Find(IPEndPoint endPoint) => _nodes.Find(n => n.EndPoint.Equals(endPoint));

    public bool Add(IPEndPoint endPoint)
    {
        if (Find(endPoint) is not null || _nodes.Count >= MaxAddedNodes) return false;
        _nodes.Add(new AddedNode(endPoint));
        return true;
    }

    public bool Remove(IPEndPoint endPoint) => _nodes.RemoveAll(n => n.EndPoint.Equals(endPoint)) > 0;

    /// <summary>The added nodes to dial now: not connected, not being dialled, retry time reached.</summary>
    public IEnumerable<AddedNode> Due(long now) =>
        _nodes.Where(n => n.Connected is null && !n.Dialing && now >= n.NextAttempt);

    public long NextWakeup
    {
        get
        {
            // A plain loop: the engine asks after every input, and most nodes have no added nodes at all.
            long next = Time.Never;
            foreach (var n in _nodes)
                if (n.Connected is null && !n.Dialing) next = Math.Min(next, n.NextAttempt);
            return next;
        }
    }
}

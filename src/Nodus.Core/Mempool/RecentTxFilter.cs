using Nodus.Wire.Encoding;

namespace Nodus.Core.Mempool;

/// <summary>
/// A bounded set of recently seen transaction ids, forgetting the oldest first: the exact stand-in for Bitcoin
/// Core's rolling Bloom filters (m_recent_rejects, m_recent_confirmed_transactions, per-peer known inventory),
/// without false positives so that simulations stay exact. Memory grows only with use, up to the capacity.
/// </summary>
public sealed class RecentTxFilter
{
    private readonly HashSet<Hash256> _set = [];
    private readonly Queue<Hash256> _order = new();

    public RecentTxFilter(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    public int Capacity { get; }
    public int Count => _set.Count;

    public bool Contains(Hash256 txid) => _set.Contains(txid);

    public void Add(Hash256 txid)
    {
        if (!_set.Add(txid)) return;
        _order.Enqueue(txid);
        while (_order.Count > Capacity) _set.Remove(_order.Dequeue());
    }

    /// <summary>Bitcoin Core resets its reject filter on every new tip, since a block can make a rejected tx valid.</summary>
    public void Clear()
    {
        _set.Clear();
        _order.Clear();
    }
}

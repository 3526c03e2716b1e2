using Nodus.Wire.Encoding;

namespace Nodus.Core.Mempool;

/// <summary>
/// A bounded set of recently seen transaction ids, forgetting the oldest first: the exact stand-in for Bitcoin
/// Core's rolling Bloom filters (m_recent_rejects, m_recent_confirmed_transactions, per-peer known inventory),
/// without false positives so that simulations stay exact. Memory grows only with use, up to the capacity.
/// </summary>
/// <remarks>
/// One filter exists per connection (the peer's known inventory), and a simulated million-node network holds
/// millions of them, most with a handful of txids. So the ids live in one ring buffer in arrival order that grows
/// by doubling, searched linearly while small; a hash index is built only past <see cref="IndexThreshold"/> ids.
/// </remarks>
public class RecentTxFilter
{
    /// <summary>Up to this many ids a linear search of 32-byte values beats hashing and needs no index memory.</summary>
    public const int IndexThreshold = 16;

    private Hash256[] _ring = [];
    private int _head; // index of the oldest id
    private int _count;
    private HashSet<Hash256>? _index;

    public RecentTxFilter(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    public int Capacity { get; }
    public int Count => _count;

    public bool Contains(Hash256 txid)
    {
        if (_index is not null) return _index.Contains(txid);
        for (int i = 0; i < _count; i++)
            if (_ring[(_head + i) % _ring.Length].Equals(txid)) return true;
        return false;
    }

    public void Add(Hash256 txid)
    {
        if (Contains(txid)) return;
        if (_count == Capacity)
        {
            // Full: the oldest id makes room (the ring is at its final size, Capacity).
            _index?.Remove(_ring[_head]);
            _ring[_head] = default;
            _head = (_head + 1) % _ring.Length;
            _count--;
        }
        else if (_count == _ring.Length) Grow();
        _ring[(_head + _count) % _ring.Length] = txid;
        _count++;
        if (_index is not null) _index.Add(txid);
        else if (_count > IndexThreshold) _index = [.. Items()];
    }

    /// <summary>
    /// <see cref="Add"/> of the ids <c>idAt(state, 0)</c> … <c>idAt(state, count - 1)</c> in order. A filter of capacity one ends
    /// holding the last id whatever came before it (each Add either finds its id there or replaces it), so it is
    /// asked for the last id only: a block's thousands of txids are not each read and added.
    /// </summary>
    public void AddInOrder<TState>(int count, TState state, Func<TState, int, Hash256> idAt)
    {
        for (int i = Capacity == 1 ? Math.Max(0, count - 1) : 0; i < count; i++) Add(idAt(state, i));
    }

    /// <summary>Bitcoin Core resets its reject filter on every new tip, since a block can make a rejected tx valid.</summary>
    public void Clear()
    {
        _ring = [];
        _head = 0;
        _count = 0;
        _index = null;
    }

    private void Grow()
    {
        var bigger = new Hash256[Math.Min(Capacity, Math.Max(1, _ring.Length * 2))];
        for (int i = 0; i < _count; i++) bigger[i] = _ring[(_head + i) % _ring.Length];
        _ring = bigger;
        _head = 0;
    }

    private IEnumerable<Hash256> Items()
    {
        for (int i = 0; i < _count; i++) yield return _ring[(_head + i) % _ring.Length];
    }
}

using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Nodus.Core.Peers;

/// <summary>
/// Per-peer state of a behaviour, keyed by peer id: the memory-lean stand-in for a Dictionary&lt;PeerId, T&gt;. A node
/// has tens of peers, so ids sit in one array searched linearly, with the values in a parallel array: 16 bytes per
/// slot growing by half, against a Dictionary's 28 per slot at up to twice the count. A simulated million-node network
/// holds tens of millions of these entries. Iteration order is a Dictionary's (insertion order, a removed entry's slot
/// reused by the next add, last freed first), so replacing one changes no run's outcome.
/// </summary>
public sealed class PeerTable<T> : IEnumerable<T> where T : class
{
    /// <summary>Past this many slots lookups go through a hash index rather than a scan: a hub (a seed node with a
    /// thousand peers) looks a peer up for every message, and each behaviour's timer for every peer, so a scan made
    /// its timers quadratic (the discovery preset's bootnodes: 56% more CPU for the whole run). Below it a scan of a
    /// few cache lines is cheaper than hashing and costs no memory.</summary>
    public const int IndexThreshold = 32;

    private long[] _ids = [];
    private Dictionary<long, int>? _index; // id → slot of the live entries, once past IndexThreshold
    private T?[] _items = [];
    private int _used; // slots ever used (the high-water mark); free ones hold null
    private int _count;
    private List<int>? _free; // freed slots, reused last-freed first
    private int _version;

    public int Count => _count;

    /// <summary>The values, for code written against a Dictionary.</summary>
    public PeerTable<T> Values => this;

    public bool TryGetValue(PeerId id, [MaybeNullWhen(false)] out T value)
    {
        int i = IndexOf(id);
        value = i >= 0 ? _items[i] : null;
        return i >= 0;
    }

    public T? GetValueOrDefault(PeerId id) => TryGetValue(id, out var value) ? value : null;

    public bool ContainsKey(PeerId id) => IndexOf(id) >= 0;

    /// <summary>Adds the value for the peer, or replaces the one it has.</summary>
    public T this[PeerId id]
    {
        get => TryGetValue(id, out var value) ? value : throw new KeyNotFoundException($"peer {id}");
        set
        {
            int i = IndexOf(id);
            if (i < 0)
            {
                if (_free is { Count: > 0 })
                {
                    i = _free[^1];
                    _free.RemoveAt(_free.Count - 1);
                }
                else
                {
                    if (_used == _items.Length)
                    {
                        int size = Math.Max(4, _used + _used / 2);
                        Array.Resize(ref _items, size);
                        Array.Resize(ref _ids, size);
                    }
                    i = _used++;
                }
                _ids[i] = id.Value;
                _count++;
            }
            _items[i] = value;
            if (_index is not null) _index[id.Value] = i;
            else if (_used > IndexThreshold) BuildIndex();
            _version++;
        }
    }

    /// <summary>Room for <paramref name="count"/> entries at once (a runtime that knows how many peers a node will
    /// have): growing by half from four slots copied each table four to eight times on the way to a node's tens of peers.</summary>
    public void Reserve(int count)
    {
        if (count <= _items.Length) return;
        Array.Resize(ref _items, count);
        Array.Resize(ref _ids, count);
    }

    /// <summary>Frees the arrays when the table is empty. Only for a table nobody iterates: afterwards new entries
    /// take slots in insertion order, where a Dictionary would reuse its freed slots last-freed first.</summary>
    public void TrimIfEmpty()
    {
        if (_count != 0) return;
        _ids = [];
        _items = [];
        _used = 0;
        _free = null;
        _index = null;
        _version++;
    }

    public bool Remove(PeerId id) => Remove(id, out _);

    public bool Remove(PeerId id, [MaybeNullWhen(false)] out T value)
    {
        int i = IndexOf(id);
        if (i < 0)
        {
            value = null;
            return false;
        }
        value = _items[i]!;
        _items[i] = null;
        _index?.Remove(id.Value);
        (_free ??= []).Add(i);
        _count--;
        _version++;
        return true;
    }

    private void BuildIndex()
    {
        _index = new Dictionary<long, int>(_used * 2);
        for (int i = 0; i < _used; i++)
            if (_items[i] is not null) _index[_ids[i]] = i;
    }

    private int IndexOf(PeerId id)
    {
        long key = id.Value;
        if (_index is not null) return _index.TryGetValue(key, out int slot) ? slot : -1;
        for (int i = 0; i < _used; i++)
            if (_ids[i] == key && _items[i] is not null) return i;
        return -1;
    }

    public Enumerator GetEnumerator() => new(this);
    IEnumerator<T> IEnumerable<T>.GetEnumerator() => GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Like a Dictionary's, it fails if the table changes while it runs.</summary>
    public struct Enumerator : IEnumerator<T>
    {
        private readonly PeerTable<T> _table;
        private readonly int _version;
        private int _index;

        internal Enumerator(PeerTable<T> table)
        {
            _table = table;
            _version = table._version;
            _index = -1;
        }

        public readonly T Current => _table._items[_index]!;
        readonly object IEnumerator.Current => Current;

        public bool MoveNext()
        {
            if (_version != _table._version) throw new InvalidOperationException("the peer table changed during enumeration");
            while (++_index < _table._used)
                if (_table._items[_index] is not null) return true;
            return false;
        }

        public void Reset() => _index = -1;
        public readonly void Dispose() { }
    }
}

/// <summary>What behaviours see of the engine's peer table (<see cref="NodeContext.Peers"/>): lookups and iteration,
/// in the table's order; only the engine adds and removes peers.</summary>
public readonly struct ReadOnlyPeerTable<T>(PeerTable<T> table) : IEnumerable<T> where T : class
{
    public int Count => table.Count;

    /// <summary>The values, for code written against a Dictionary.</summary>
    public ReadOnlyPeerTable<T> Values => this;

    public bool TryGetValue(PeerId id, [MaybeNullWhen(false)] out T value) => table.TryGetValue(id, out value);
    public bool ContainsKey(PeerId id) => table.ContainsKey(id);
    public T this[PeerId id] => table[id];

    public PeerTable<T>.Enumerator GetEnumerator() => table.GetEnumerator();
    IEnumerator<T> IEnumerable<T>.GetEnumerator() => table.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => table.GetEnumerator();
}

namespace Nodus.Sim.Engine;

/// <summary>
/// The future-event list: a 4-ary min-heap keyed by (time, sequence). The sequence number makes ties deterministic:
/// same inputs, same order, same trace. The heap holds only keys and the slot of each event; the events sit still
/// in a pool of slots (free ones chained through it). Choosing among four children reads one cache line of keys, and
/// a sift moves 20 bytes per level without object references: moving the events themselves cost more, and every
/// message reference written into the big heap arrays dirtied a card the GC then had to scan. An element moves
/// through a hole instead of being swapped at every level.
/// </summary>
public sealed class EventQueue
{
    private const int Arity = 4;
    private const int InitialCapacity = 1024;

    private EventKey[] _keys = new EventKey[InitialCapacity];
    private int[] _slots = new int[InitialCapacity];
    private SimEvent[] _events = new SimEvent[InitialCapacity];
    private int _count;
    /// <summary>Pool slots ever used; below it, free slots form a chain through <see cref="SimEvent.Node"/>.</summary>
    private int _poolUsed;
    private int _firstFree = -1;
    private long _sequence;

    public int Count => _count;

    /// <summary>Sizes the arrays for <paramref name="count"/> pending events at once, so a million-node run does not
    /// double arrays of tens of millions of events (holding both copies while it does).</summary>
    public void Reserve(int count)
    {
        if (count <= _keys.Length) return;
        Array.Resize(ref _keys, count);
        Array.Resize(ref _slots, count);
        Array.Resize(ref _events, count);
    }
    public long Scheduled => _sequence;

    public void Schedule(long time, in SimEvent e)
    {
        if (_count == _keys.Length)
        {
            Array.Resize(ref _keys, _keys.Length * 2);
            Array.Resize(ref _slots, _slots.Length * 2);
            Array.Resize(ref _events, _events.Length * 2);
        }
        int slot;
        if (_firstFree >= 0)
        {
            slot = _firstFree;
            _firstFree = _events[slot].Node;
        }
        else slot = _poolUsed++;
        _events[slot] = e;

        var key = new EventKey(time, _sequence++);
        var keys = _keys;
        var slots = _slots;
        int i = _count++;
        while (i > 0)
        {
            int parent = (i - 1) / Arity;
            if (!Less(key, keys[parent])) break;
            keys[i] = keys[parent];
            slots[i] = slots[parent];
            i = parent;
        }
        keys[i] = key;
        slots[i] = slot;
    }

    public bool TryDequeue(out SimEvent e, out long time)
    {
        if (_count == 0)
        {
            e = default;
            time = 0;
            return false;
        }
        int slot = _slots[0];
        e = _events[slot];
        _events[slot] = new SimEvent(default, _firstFree, -1, null, 0); // the payload must not outlive its event
        _firstFree = slot;
        time = _keys[0].Time;
        int n = --_count;
        if (n > 0) SiftDown(_keys[n], _slots[n], n);
        return true;
    }

    /// <summary>Places (key, slot) from the root down, moving the smaller child up until it fits.</summary>
    private void SiftDown(EventKey key, int slot, int n)
    {
        var keys = _keys;
        var slots = _slots;
        int i = 0;
        while (true)
        {
            int first = i * Arity + 1;
            if (first >= n) break;
            int end = Math.Min(first + Arity, n), min = first;
            for (int c = first + 1; c < end; c++)
                if (Less(keys[c], keys[min])) min = c;
            if (!Less(keys[min], key)) break;
            keys[i] = keys[min];
            slots[i] = slots[min];
            i = min;
        }
        keys[i] = key;
        slots[i] = slot;
    }

    public bool TryPeekTime(out long time)
    {
        time = _count > 0 ? _keys[0].Time : 0;
        return _count > 0;
    }

    // Sequence numbers are unique, so this is a strict total order: the dequeue order is fully determined.
    private static bool Less(in EventKey a, in EventKey b) => a.Time < b.Time || (a.Time == b.Time && a.Sequence < b.Sequence);
}

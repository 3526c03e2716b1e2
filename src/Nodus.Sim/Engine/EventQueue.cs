namespace Nodus.Sim.Engine;

/// <summary>
/// The future-event list: a 4-ary min-heap keyed by (time, sequence). The sequence number makes ties deterministic:
/// same inputs, same order, same trace. Keys and events sit in two parallel arrays, so that choosing among four
/// children reads one cache line of keys rather than four whole entries (.NET's PriorityQueue interleaves them;
/// at 10,000 nodes the queue holds 50,000–250,000 events, more than the CPU caches), and an element moves through
/// a hole instead of being swapped at every level.
/// </summary>
public sealed class EventQueue
{
    private const int Arity = 4;
    private const int InitialCapacity = 1024;

    private EventKey[] _keys = new EventKey[InitialCapacity];
    private SimEvent[] _events = new SimEvent[InitialCapacity];
    private int _count;
    private long _sequence;

    public int Count => _count;

    /// <summary>Sizes the arrays for <paramref name="count"/> pending events at once, so a million-node run does not
    /// double arrays of tens of millions of events (holding both copies while it does).</summary>
    public void Reserve(int count)
    {
        if (count <= _keys.Length) return;
        Array.Resize(ref _keys, count);
        Array.Resize(ref _events, count);
    }
    public long Scheduled => _sequence;

    public void Schedule(long time, in SimEvent e)
    {
        if (_count == _keys.Length)
        {
            Array.Resize(ref _keys, _keys.Length * 2);
            Array.Resize(ref _events, _events.Length * 2);
        }
        var key = new EventKey(time, _sequence++);
        int i = _count++;
        while (i > 0)
        {
            int parent = (i - 1) / Arity;
            if (!Less(key, _keys[parent])) break;
            _keys[i] = _keys[parent];
            _events[i] = _events[parent];
            i = parent;
        }
        _keys[i] = key;
        _events[i] = e;
    }

    public bool TryDequeue(out SimEvent e, out long time)
    {
        if (_count == 0)
        {
            e = default;
            time = 0;
            return false;
        }
        e = _events[0];
        time = _keys[0].Time;
        int n = --_count;
        var lastKey = _keys[n];
        var lastEvent = _events[n];
        _events[n] = default; // the payload must not outlive its event
        if (n > 0) SiftDown(lastKey, lastEvent, n);
        return true;
    }

    /// <summary>Places (key, e) from the root down, moving the smaller child up until it fits.</summary>
    private void SiftDown(EventKey key, SimEvent e, int n)
    {
        var keys = _keys;
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
            _events[i] = _events[min];
            i = min;
        }
        keys[i] = key;
        _events[i] = e;
    }

    public bool TryPeekTime(out long time)
    {
        time = _count > 0 ? _keys[0].Time : 0;
        return _count > 0;
    }

    // Sequence numbers are unique, so this is a strict total order: the dequeue order is fully determined.
    private static bool Less(in EventKey a, in EventKey b) => a.Time < b.Time || (a.Time == b.Time && a.Sequence < b.Sequence);
}

namespace Nodus.Sim.Engine;

/// <summary>
/// The future-event list: .NET's <see cref="PriorityQueue{TElement,TPriority}"/> (a 4-ary array heap) keyed by
/// (time, sequence). The sequence number makes ties deterministic: same inputs, same order, same trace.
/// </summary>
public sealed class EventQueue
{
    private readonly PriorityQueue<SimEvent, EventKey> _heap = new();
    private long _sequence;

    public int Count => _heap.Count;
    public long Scheduled => _sequence;

    public void Schedule(long time, in SimEvent e) => _heap.Enqueue(e, new EventKey(time, _sequence++));

    public bool TryDequeue(out SimEvent e, out long time)
    {
        if (_heap.TryDequeue(out e, out var key))
        {
            time = key.Time;
            return true;
        }
        time = 0;
        return false;
    }

    public bool TryPeekTime(out long time)
    {
        if (_heap.TryPeek(out _, out var key))
        {
            time = key.Time;
            return true;
        }
        time = 0;
        return false;
    }
}

namespace Nodus.Sim.Engine;

/// <summary>What happens when an event fires. One small enum instead of closures keeps the hot path allocation-free.</summary>
public enum EventKind : byte
{
    /// <summary>A message reaches <see cref="SimEvent.Node"/> over <see cref="SimEvent.Connection"/>.</summary>
    Deliver,
    /// <summary>An inbound connection reaches its acceptor (half an RTT after the dial).</summary>
    Accept,
    /// <summary>The dialer learns its connection is open (one RTT after the dial).</summary>
    DialComplete,
    /// <summary>A dial could not reach its target (dead, partitioned or unknown address).</summary>
    DialFailed,
    /// <summary>The other side closed the connection; its FIN arrives.</summary>
    RemoteClose,
    /// <summary>The node's <c>NextWakeup</c> is due; <see cref="SimEvent.Aux"/> holds the wakeup it was set for.</summary>
    Timer,
    /// <summary>The node starts: its engine is created and it listens.</summary>
    Start,
    /// <summary>The node dials its planned outbound connections (the generated topology).</summary>
    ConnectPlanned,
    /// <summary>A scenario action (workload, fault) carried in <see cref="SimEvent.Payload"/> as an <see cref="ISimAction"/>.</summary>
    Action,
}

/// <summary>One scheduled event. A struct: the queue stores it inline, no allocation per event.</summary>
public readonly record struct SimEvent(EventKind Kind, int Node, int Connection, object? Payload, long Aux);

/// <summary>A scenario step scheduled in virtual time (rare events, so an interface call is fine).</summary>
public interface ISimAction
{
    void Run(SimRuntime runtime, long now);
}

/// <summary>Order of events: by time, then by the order they were scheduled, so equal times replay identically.</summary>
public readonly record struct EventKey(long Time, long Sequence) : IComparable<EventKey>
{
    public int CompareTo(EventKey other)
    {
        int c = Time.CompareTo(other.Time);
        return c != 0 ? c : Sequence.CompareTo(other.Sequence);
    }
}

using Nodus.Core;

namespace Nodus.Sim.Engine;

/// <summary>
/// One simulated node as the runtime holds it: its engine and the runtime's per-node state that a delivered message
/// or a timer reads (liveness, the armed timer, the remembered component wakeup, the access links' queues). Kept in
/// one array so that an event at a random node of a 10,000-node network costs one cold cache line for all of it.
/// </summary>
internal struct NodeSlot
{
    /// <summary>Null until the node joins and after it leaves (a node that rejoins starts with a fresh engine).</summary>
    public Node? Engine;
    /// <summary>When the node's upload / download link finishes the messages queued on it.</summary>
    public long UploadFreeAt, DownloadFreeAt;
    /// <summary>The wakeup the runtime's timer event is armed for (<see cref="Time.Never"/>: none).</summary>
    public long TimerAt;
    /// <summary>The node's <see cref="Node.ComponentWakeup"/> as of its last input that could change it.</summary>
    public long ComponentWakeAt;
    /// <summary>Until when the node is busy validating a block (<see cref="SimRuntime.HoldOutputs"/>): nothing it
    /// sends leaves before.</summary>
    public long BusyUntil;
    /// <summary>Validation time asked for during the current input, and how many of its outputs precede it.</summary>
    public long HoldMicros;
    public int HoldAfter;
    public bool Alive;
}

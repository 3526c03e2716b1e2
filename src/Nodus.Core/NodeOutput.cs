using System.Net;
using Nodus.Core.Peers;
using Nodus.Wire.Messages;

namespace Nodus.Core;

/// <summary>What the engine asks its runtime to do. The runtime polls these after every input.</summary>
public abstract record NodeOutput;

/// <summary>
/// An output in the engine's queue: a send as its message and peer (no <see cref="SendMessage"/> object, made only if
/// polled as a record: a simulation sends millions of messages, each one such object of garbage), anything else as
/// its record.
/// </summary>
internal readonly struct QueuedOutput
{
    /// <summary>The message to send, or the <see cref="NodeOutput"/> itself.</summary>
    public readonly object Item;
    /// <summary>The peer a message goes to (unused for other outputs).</summary>
    public readonly PeerId Peer;

    public QueuedOutput(PeerId peer, IMessage message) => (Item, Peer) = (message, peer);
    public QueuedOutput(NodeOutput output) => Item = output;
}

/// <summary>Encode and send a message to a peer.</summary>
public sealed record SendMessage(PeerId Peer, IMessage Message) : NodeOutput;

/// <summary>Close a connection; the runtime then reports <see cref="Node.OnDisconnected"/>.</summary>
public sealed record ClosePeer(PeerId Peer, DisconnectReason Reason) : NodeOutput;

/// <summary>Open an outbound connection; the runtime reports <see cref="Node.OnConnected"/> or <see cref="Node.OnDialFailed"/>.</summary>
public sealed record DialPeer(IPEndPoint EndPoint, ConnectionType Type) : NodeOutput;

public enum LogSeverity { Debug, Information, Warning, Error }

/// <summary>Something a person may want in the log; the core has no logger of its own.</summary>
public sealed record LogLine(LogSeverity Severity, string Message) : NodeOutput;

/// <summary>
/// Resolve these DNS seed host names (A and AAAA records) and answer each with <see cref="Node.OnSeedsResolved"/>,
/// with an empty list when resolution fails. The core never resolves names itself.
/// </summary>
public sealed record ResolveSeeds(IReadOnlyList<string> Hosts) : NodeOutput;

using System.Net;
using Nodus.Core.Peers;
using Nodus.Wire.Messages;

namespace Nodus.Core;

/// <summary>What the engine asks its runtime to do. The runtime polls these after every input.</summary>
public abstract record NodeOutput;

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

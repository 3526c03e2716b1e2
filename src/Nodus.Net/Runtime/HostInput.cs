using System.Net;
using System.Net.Sockets;
using Nodus.Core;
using Nodus.Core.Peers;
using Nodus.Wire.Messages;

namespace Nodus.Net.Runtime;

/// <summary>What the socket tasks and callers hand to the event loop; only the loop turns them into Node calls.</summary>
internal abstract record HostInput;

internal sealed record InboundAccepted(Socket Socket) : HostInput;

internal sealed record DialSucceeded(PeerStream Stream, IPEndPoint EndPoint, ConnectionType Type) : HostInput;

/// <summary>An inbound socket whose TLS negotiation ended: <paramref name="Stream"/> is null when it was refused.</summary>
internal sealed record InboundNegotiated(PeerStream? Stream) : HostInput;

internal sealed record DialFailedInput(IPEndPoint EndPoint, ConnectionType Type, string Reason) : HostInput;

internal sealed record PeerMessageReceived(PeerConnection Connection, IMessage Message, int WireSize) : HostInput;

internal sealed record PeerUnknownCommand(PeerConnection Connection, string Command, int WireSize) : HostInput;

internal sealed record PeerProtocolError(PeerConnection Connection, string Reason) : HostInput;

internal sealed record PeerTransportClosed(PeerConnection Connection, string Reason) : HostInput;

internal sealed record SeedsResolved(string Host, IReadOnlyList<IPAddress> Addresses) : HostInput;

/// <summary>Runs a caller's function on the loop (RPC, dashboard); the function completes its own task.</summary>
internal sealed record Invocation(Action<Node, long> Run) : HostInput;

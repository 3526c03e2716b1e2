using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using Nodus.Core.Peers;
using Nodus.Wire.Messages;

namespace Nodus.Core;

/// <summary>
/// What behaviours may use: the node's options, its seeded randomness, the peer table, and the output queue through
/// which they send, close and dial. Nothing here performs I/O; the runtime drains the queue.
/// </summary>
public sealed class NodeContext
{
    private readonly Queue<QueuedOutput> _outputs;
    private readonly PeerTable<Peer> _peers;

    internal NodeContext(NodeOptions options, Random random, Queue<QueuedOutput> outputs, PeerTable<Peer> peers)
    {
        Options = options;
        Random = random;
        _outputs = outputs;
        _peers = peers;
    }

    public NodeOptions Options { get; }

    /// <summary>The node's only source of randomness, seeded by the runtime, so a simulation replays exactly.</summary>
    public Random Random { get; }

    public ReadOnlyPeerTable<Peer> Peers => new(_peers);

    /// <summary>Height of the best chain, for our version message. Set by the chain component.</summary>
    public Func<int> BestHeight { get; set; } = () => 0;

    /// <summary>Called when a peer misbehaves, before it is closed (the ban manager discourages its address).</summary>
    public event Action<Peer, string>? Misbehaved;

    /// <summary>Every peer's session deadline and their minimum, kept as they move (connect, handshake, ping, pong,
    /// close), so that the engine's wakeup costs no walk over the peers.</summary>
    internal SessionDeadlines Deadlines { get; } = new();

    public IEnumerable<Peer> EstablishedPeers => _peers.Values.Where(p => p.IsEstablished);

    public void Send(Peer peer, IMessage message)
    {
        if (peer.State == HandshakeState.Closing) return;
        _outputs.Enqueue(new QueuedOutput(peer.Id, message));
    }

    public void Close(Peer peer, DisconnectReason reason)
    {
        if (peer.State == HandshakeState.Closing) return;
        peer.State = HandshakeState.Closing;
        Deadlines.Set(peer, Time.Never);
        peer.CloseReason = reason;
        _outputs.Enqueue(new QueuedOutput(new ClosePeer(peer.Id, reason)));
    }

    /// <summary>A protocol violation: the peer is disconnected and (through <see cref="Misbehaved"/>) its address discouraged.</summary>
    public void Misbehaving(Peer peer, string reason)
    {
        if (peer.State == HandshakeState.Closing) return;
        Log(LogSeverity.Information, $"peer {peer.Id} ({peer.Remote}) misbehaved: {reason}");
        Misbehaved?.Invoke(peer, reason);
        Close(peer, DisconnectReason.Violation(reason));
    }

    public void Dial(IPEndPoint endPoint, ConnectionType type) => _outputs.Enqueue(new QueuedOutput(new DialPeer(endPoint, type)));

    /// <summary>Asks the runtime to resolve DNS seeds; it answers through <see cref="Node.OnSeedsResolved"/>.</summary>
    public void ResolveDnsSeeds(IReadOnlyList<string> hosts) => _outputs.Enqueue(new QueuedOutput(new ResolveSeeds(hosts)));

    /// <summary>
    /// Log lines below this severity are not produced at all (their text is never formatted): the simulator runs
    /// hundreds of thousands of nodes whose logs nobody reads. The real runtime leaves it at Debug.
    /// </summary>
    public LogSeverity MinimumLogSeverity { get; set; } = LogSeverity.Debug;

    public bool IsLogEnabled(LogSeverity severity) => severity >= MinimumLogSeverity;

    public void Log(LogSeverity severity, string message)
    {
        if (IsLogEnabled(severity)) _outputs.Enqueue(new QueuedOutput(new LogLine(severity, message)));
    }

    /// <summary>Interpolated log text is only formatted when <paramref name="severity"/> is enabled.</summary>
    public void Log(LogSeverity severity, [InterpolatedStringHandlerArgument("", "severity")] ref LogMessageHandler message)
    {
        if (message.IsEnabled) _outputs.Enqueue(new QueuedOutput(new LogLine(severity, message.ToStringAndClear())));
    }
}

/// <summary>Builds a log line's text only when its severity is enabled (as ILogger's structured logging avoids).</summary>
[InterpolatedStringHandler]
public ref struct LogMessageHandler
{
    private DefaultInterpolatedStringHandler _inner;

    public LogMessageHandler(int literalLength, int formattedCount, NodeContext context, LogSeverity severity, out bool isEnabled)
    {
        IsEnabled = isEnabled = context.IsLogEnabled(severity);
        _inner = isEnabled ? new DefaultInterpolatedStringHandler(literalLength, formattedCount, CultureInfo.InvariantCulture) : default;
    }

    public bool IsEnabled { get; }
    public void AppendLiteral(string value) => _inner.AppendLiteral(value);
    public void AppendFormatted<T>(T value) => _inner.AppendFormatted(value);
    public void AppendFormatted<T>(T value, string? format) => _inner.AppendFormatted(value, format);
    public void AppendFormatted(string? value) => _inner.AppendFormatted(value);
    public string ToStringAndClear() => _inner.ToStringAndClear();
}

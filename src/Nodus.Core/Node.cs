using System.Net;
using Nodus.Core.Peers;
using Nodus.Wire.Messages;

namespace Nodus.Core;

/// <summary>
/// The sans-IO engine of one node (quinn-proto's shape). The runtime feeds it inputs — a connection opened or
/// closed, a decoded message, a framing error, a timer — each with the current time, then drains
/// <see cref="TryPollOutput"/> and sleeps until <see cref="NextWakeup"/>. The engine owns the peer table and the
/// handshake; node-wide protocols are <see cref="INodeBehaviour"/>s. It is single-threaded and deterministic
/// given its seed and inputs: the real runtime and the simulator drive this same class.
/// </summary>
public sealed class Node
{
    private readonly Queue<QueuedOutput> _outputs = new();
    /// <summary>The peers in connection order (a Dictionary's order, which sessions and behaviours iterate in).</summary>
    private readonly PeerTable<Peer> _peers = new();
    private readonly List<INodeBehaviour> _behaviours = [];
    private readonly List<Peer> _duePeers = [];
    /// <summary>The version nonces of the peers still in their handshake (each peer's <see cref="Peer.VersionNonce"/>
    /// while non-zero): every inbound version is checked against them, which walked every peer object.</summary>
    private readonly List<ulong> _pendingNonces = [];
    private readonly PeerSession _session;
    private long _nextPeerId;
    private long _startedAt;

    public Node(NodeOptions options, Random random)
    {
        Context = new NodeContext(options, random, _outputs, _peers);
        _session = new PeerSession(Context, IsOwnVersionNonce);
        foreach (var ep in options.Connect.Concat(options.AddNodes)) AddedNodes.Add(ep);
    }

    public NodeContext Context { get; }
    public NodeOptions Options => Context.Options;
    public AddedNodes AddedNodes { get; } = new();
    public ReadOnlyPeerTable<Peer> Peers => new(_peers);
    public long StartedAt => _startedAt;

    public void AddBehaviour(INodeBehaviour behaviour) => _behaviours.Add(behaviour);

    public T? GetBehaviour<T>() where T : class, INodeBehaviour => _behaviours.OfType<T>().FirstOrDefault();

    public Peer? GetPeer(PeerId id) => _peers.GetValueOrDefault(id);

    /// <summary>
    /// A hint from a runtime that knows how many connections this node will hold (the simulator's planned topology):
    /// the peer tables of the engine and its behaviours are sized for them at once instead of growing by half from
    /// four slots, each step a new array that, at a simulation's start, lives long enough to be copied by the
    /// collector. Changes no behaviour: tables still grow past it.
    /// </summary>
    public void ReservePeers(int count)
    {
        _peers.Reserve(count);
        Context.Deadlines.Reserve(count);
        foreach (var b in _behaviours) b.ReservePeers(count);
    }

    public void Start(long now)
    {
        _startedAt = now;
        DialAddedNodes(now);
        foreach (var b in _behaviours) b.OnStart(now);
    }

    /// <summary>A connection opened (inbound accepted or outbound dial succeeded). Returns its id.</summary>
    public PeerId OnConnected(IPEndPoint remote, ConnectionType type, long now)
    {
        var id = new PeerId(++_nextPeerId);
        var peer = new Peer(id, remote, type, now, Options.TrafficPerCommand);
        _peers[id] = peer; // ids are never reused: always a new entry
        if (type == ConnectionType.Manual && AddedNodes.Find(remote) is { } added)
        {
            added.Dialing = false;
            added.Connected = id;
        }
        Context.Log(LogSeverity.Information, $"connection {id} opened: {remote} {type.ToRpcName()}");
        ulong nonce = PeerSession.NextNonZero(Context.Random);
        peer.VersionNonce = nonce;
        _pendingNonces.Add(nonce);
        Context.Deadlines.Add(peer, PeerSession.NextDeadline(peer, Options));
        _session.Start(peer, nonce, now);
        foreach (var b in _behaviours) b.OnConnectionOpened(peer, now);
        return id;
    }

    /// <summary>A dial requested by <see cref="DialPeer"/> failed.</summary>
    public void OnDialFailed(IPEndPoint endPoint, ConnectionType type, string reason, long now)
    {
        Context.Log(LogSeverity.Debug, $"dial {endPoint} ({type.ToRpcName()}) failed: {reason}");
        if (AddedNodes.Find(endPoint) is { } added)
        {
            added.Dialing = false;
            added.NextAttempt = now + AddedNodes.RetryInterval;
        }
        foreach (var b in _behaviours) b.OnDialFailed(endPoint, type, reason, now);
    }

    /// <summary>
    /// The runtime asks this before accepting an inbound connection; false means close the socket at once without
    /// calling <see cref="OnConnected"/>. Connection policy refuses banned and discouraged addresses and, when
    /// inbound slots are full, evicts a peer (a ClosePeer output) to make room or refuses.
    /// </summary>
    public bool ShouldAcceptInbound(IPEndPoint remote, long now)
    {
        foreach (var b in _behaviours)
            if (!b.ShouldAcceptInbound(remote, now)) return false;
        return true;
    }

    /// <summary>The answer to a <see cref="ResolveSeeds"/> output for one host; an empty list when it failed.</summary>
    public void OnSeedsResolved(string host, IReadOnlyList<IPAddress> addresses, long now)
    {
        foreach (var b in _behaviours) b.OnSeedsResolved(host, addresses, now);
    }

    /// <summary>A decoded message from a peer. Returns false when only the peer session handled it (a ping, a pong,
    /// a handshake step that completed nothing): then no behaviour and no added node saw it, and
    /// <see cref="ComponentWakeup"/> is unchanged.</summary>
    public bool OnMessage(PeerId id, IMessage message, int wireSize, long now) =>
        _peers.TryGetValue(id, out var peer) && OnMessage(peer, message, wireSize, now);

    /// <summary><see cref="OnMessage(PeerId, IMessage, int, long)"/> for a runtime that keeps each connection's
    /// <see cref="Peer"/> (from <see cref="GetPeer"/>) and calls this only until it hands the engine
    /// <see cref="OnDisconnected"/> for it: the simulator, which spares a peer-table lookup per message.</summary>
    public bool OnMessage(Peer peer, IMessage message, int wireSize, long now)
    {
        var id = peer.Id;
        peer.Traffic.RecordReceived(message.Command, wireSize, known: true, now);
        if (peer.State == HandshakeState.Closing) return false;

        // An established peer's ordinary message (headers, inv, blocks: nearly all of them) goes straight to the behaviours.
        if (!PeerSession.Handles(peer, message)) return Dispatch(peer, message, now);
        long deadline = PeerSession.NextDeadline(peer, Options);
        if (_session.Handle(peer, message, now, peer.VersionNonce, out bool established))
        {
            // The handshake or keep-alive moved on (a verack or pong brings the deadline forward).
            long next = PeerSession.NextDeadline(peer, Options);
            if (next != deadline) Context.Deadlines.Set(peer, next);
            if (established)
            {
                _pendingNonces.Remove(peer.VersionNonce);
                peer.VersionNonce = 0;
                Context.Log(LogSeverity.Information,
                    $"connection {id} established: {peer.Remote} version {peer.Version} {peer.UserAgent} height {peer.StartHeight}");
                foreach (var b in _behaviours) b.OnPeerReady(peer, now);
            }
            // A peer the session closed was reported to Misbehaved's listeners (the ban manager, a behaviour).
            return established || peer.State == HandshakeState.Closing;
        }
        return Dispatch(peer, message, now);
    }

    /// <summary>Hands an established peer's message to the behaviours.</summary>
    private bool Dispatch(Peer peer, IMessage message, long now)
    {
        // Every behaviour sees every message: getdata, inv and notfound carry blocks and transactions together.
        bool handled = false;
        for (int i = 0; i < _behaviours.Count; i++)
        {
            if (peer.State == HandshakeState.Closing) return true;
            handled |= _behaviours[i].OnMessage(peer, message, now);
        }
        if (!handled) Context.Log(LogSeverity.Debug, $"peer {peer.Id}: no handler for {message.Command}");
        return true;
    }

    /// <summary>A well-framed message with a command we do not know: counted and skipped, as Bitcoin Core does.</summary>
    public void OnUnknownMessage(PeerId id, string command, int wireSize, long now)
    {
        if (!_peers.TryGetValue(id, out var peer)) return;
        peer.Traffic.RecordReceived(command, wireSize, known: false, now);
        if (peer.State == HandshakeState.AwaitingVersion)
            Context.Misbehaving(peer, $"{command} before version");
    }

    /// <summary>The runtime could not frame or decode the peer's bytes.</summary>
    public void OnProtocolError(PeerId id, string reason, long now)
    {
        if (_peers.TryGetValue(id, out var peer)) Context.Misbehaving(peer, reason);
    }

    /// <summary>The runtime sent a frame of <paramref name="bytes"/> to the peer.</summary>
    public void RecordSent(PeerId id, string command, int bytes, long now)
    {
        if (_peers.TryGetValue(id, out var peer)) peer.Traffic.RecordSent(command, bytes, now);
    }

    /// <summary>The connection is gone (closed by us, by the peer, or by a socket error).</summary>
    public void OnDisconnected(PeerId id, long now, string? transportReason = null)
    {
        if (!_peers.Remove(id, out var peer)) return;
        if (peer.VersionNonce != 0) _pendingNonces.Remove(peer.VersionNonce);
        Context.Deadlines.Remove(peer);
        var reason = peer.CloseReason ?? new DisconnectReason(DisconnectCode.RemoteClosed, transportReason ?? "");
        Context.Log(LogSeverity.Information, $"connection {id} closed: {peer.Remote} {peer.ConnectionType.ToRpcName()} ({reason})");
        bool wasEstablished = peer.ReceivedVerack;
        if (AddedNodes.All.FirstOrDefault(n => n.Connected == id) is { } added)
        {
            added.Connected = null;
            added.NextAttempt = now + AddedNodes.RetryInterval / 12; // reconnect soon, then back off via dial failures
        }
        if (wasEstablished)
            foreach (var b in _behaviours) b.OnPeerClosed(peer, now);
        foreach (var b in _behaviours) b.OnConnectionClosed(peer, now);
    }

    public void OnTimer(long now)
    {
        // Most timers are a behaviour's (relay trickles): no peer is due then, and the peers are not walked.
        OnSessionTimers(now);
        DialAddedNodes(now);
        foreach (var b in _behaviours)
            if (b.NextWakeup <= now) b.OnTimer(now);
    }

    /// <summary>
    /// Runs the due peers' session timers (sending pings, enforcing timeouts): all that <see cref="OnTimer"/> does
    /// while <see cref="ComponentWakeup"/> is later than <paramref name="now"/>. The simulator, which remembers
    /// that wakeup, calls this for a keep-alive timer rather than have OnTimer ask every behaviour whether it is due.
    /// </summary>
    public void OnSessionTimers(long now)
    {
        // Only the due peers are copied (the session may close peers while we iterate); most timers touch one peer.
        var deadlines = Context.Deadlines;
        _duePeers.Clear();
        deadlines.CollectDue(now, _duePeers);
        if (_duePeers.Count == 0) return;
        if (_duePeers.Count > 1)
        {
            // Rare (deadlines in the same microsecond): take them in the engine's peer order, in which each ping
            // draws its nonce from the node's random stream.
            _duePeers.Clear();
            foreach (var peer in _peers.Values)
                if (PeerSession.NextDeadline(peer, Options) <= now) _duePeers.Add(peer);
        }
        foreach (var peer in _duePeers)
        {
            _session.OnTimer(peer, now);
            deadlines.Set(peer, PeerSession.NextDeadline(peer, Options));
        }
        _duePeers.Clear();
        deadlines.Rescan();
    }

    /// <summary>When the engine next needs <see cref="OnTimer"/>, or <see cref="Time.Never"/>.</summary>
    public long NextWakeup => Math.Min(SessionWakeup, ComponentWakeup);

    /// <summary>The earliest peer session deadline (handshake timeout, next ping, ping timeout).</summary>
    public long SessionWakeup => Context.Deadlines.Earliest;

    /// <summary>
    /// The earliest wakeup of the added-node retries and the behaviours. Only inputs that reach them change it, so a
    /// runtime may keep it across messages <see cref="OnMessage"/> reports as the session's alone: the simulator
    /// does for the keep-alive's pings and pongs, sparing a visit to every behaviour's state after each.
    /// </summary>
    public long ComponentWakeup
    {
        get
        {
            long next = AddedNodes.NextWakeup;
            foreach (var b in _behaviours) next = Math.Min(next, b.NextWakeup);
            return next;
        }
    }

    /// <summary>Outputs waiting for <see cref="TryPollOutput(out NodeOutput)"/>.</summary>
    public int PendingOutputs => _outputs.Count;

    public bool TryPollOutput(out NodeOutput output)
    {
        bool any = TryPollOutput(out var other, out var peer, out var message);
        output = other ?? (any ? new SendMessage(peer, message!) : null!);
        return any;
    }

    /// <summary>
    /// <see cref="TryPollOutput(out NodeOutput)"/> without an object per send, for a runtime that passes millions of
    /// messages (the simulator): a send comes as <paramref name="message"/> to <paramref name="peer"/> with
    /// <paramref name="other"/> null, every other output as <paramref name="other"/> (never a <see cref="SendMessage"/>).
    /// </summary>
    public bool TryPollOutput(out NodeOutput? other, out PeerId peer, out IMessage? message)
    {
        if (!_outputs.TryDequeue(out var next))
        {
            (other, peer, message) = (null, default, null);
            return false;
        }
        other = next.Item as NodeOutput;
        // Not a NodeOutput, so a message (QueuedOutput holds nothing else): no second, interface, type check.
        message = other is null ? System.Runtime.CompilerServices.Unsafe.As<IMessage>(next.Item) : null;
        peer = next.Peer;
        return true;
    }

    /// <summary>RPC addnode: add keeps the address connected, remove forgets it, onetry dials it once.</summary>
    public string? AddNode(IPEndPoint endPoint, AddNodeCommand command, long now)
    {
        switch (command)
        {
            case AddNodeCommand.Add:
                if (!AddedNodes.Add(endPoint)) return $"node {endPoint} already added (or the list is full)";
                DialAddedNodes(now);
                return null;
            case AddNodeCommand.Remove:
                return AddedNodes.Remove(endPoint) ? null : $"node {endPoint} has not been added";
            default:
                Context.Dial(endPoint, ConnectionType.Manual);
                return null;
        }
    }

    /// <summary>RPC disconnectnode. Returns false when no such peer is connected.</summary>
    public bool Disconnect(Func<Peer, bool> match)
    {
        var peer = _peers.Values.FirstOrDefault(p => p.State != HandshakeState.Closing && match(p));
        if (peer is null) return false;
        Context.Close(peer, new DisconnectReason(DisconnectCode.Requested, "disconnectnode"));
        return true;
    }

    /// <summary>The runtime must drop a peer for a transport reason (e.g. its send queue is full).</summary>
    public void ClosePeer(PeerId id, DisconnectReason reason)
    {
        if (_peers.TryGetValue(id, out var peer)) Context.Close(peer, reason);
    }

    /// <summary>Closes every connection (node shutdown), after behaviours persisted their state.</summary>
    public void Shutdown(long now = 0)
    {
        foreach (var b in _behaviours) b.OnShutdown(now);
        foreach (var peer in _peers.Values.ToList())
            Context.Close(peer, new DisconnectReason(DisconnectCode.Shutdown, ""));
    }

    /// <summary>Whether <paramref name="nonce"/> is in one of our version messages still awaiting the handshake.</summary>
    private bool IsOwnVersionNonce(ulong nonce) => _pendingNonces.Contains(nonce);

    private void DialAddedNodes(long now)
    {
        if (AddedNodes.All.Count == 0) return; // the common case: no allocation per timer
        foreach (var added in AddedNodes.Due(now).ToList())
        {
            if (_peers.Values.Any(p => p.Remote.Equals(added.EndPoint) && p.State != HandshakeState.Closing)) continue;
            added.Dialing = true;
            added.NextAttempt = now + AddedNodes.RetryInterval;
            Context.Dial(added.EndPoint, ConnectionType.Manual);
        }
    }
}

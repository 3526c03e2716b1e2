using System.Net;
using System.Runtime.CompilerServices;
using Nodus.Core;
using Nodus.Core.Peers;
using Nodus.Sim.Metrics;
using Nodus.Sim.Network;
using Nodus.Wire.Messages;

namespace Nodus.Sim.Engine;

/// <summary>
/// The simulated runtime: it owns N real <see cref="Node"/> engines, a virtual clock and a modelled network, and
/// does for them what Nodus.Net does with sockets — feed inputs, drain outputs, wake them at NextWakeup. A message
/// waits for the sender's upload link, then takes the model's latency plus its size over the slower of the two
/// access links (and waits for the receiver's download link if busy); dials take one round trip.
/// </summary>
public sealed class SimRuntime
{
    /// <summary>Every simulated node listens on Bitcoin's port; its address encodes its index (<see cref="SimAddresses"/>).</summary>
    public const int ListenPort = 8333;

    /// <summary>Bitcoin Core's nConnectTimeout (DEFAULT_CONNECT_TIMEOUT = 5000 ms): a dial into a black hole fails after it.</summary>
    public static readonly long ConnectTimeout = 5 * Time.Second;

    /// <summary>Most nodes a run may hold (the connection table and per-node arrays are indexed by int).</summary>
    public const int MaxNodes = (1 << 24) - 2;

    /// <summary>Each node's engine and the runtime's state for it, side by side: every event touches a random node,
    /// and one array of these costs it one cold cache line where an array per field cost one each.</summary>
    private readonly NodeSlot[] _slots;
    private readonly IPEndPoint?[] _endPoints;
    private readonly int[] _incarnation;
    private readonly ConnectionTable _connections;
    private readonly EventQueue _queue = new();
    private readonly List<Partition> _partitions = [];
    private readonly MessageSizeCache _sizes = new();
    private readonly Random _network;
    private readonly Func<int, Random, Node> _factory;

    public SimRuntime(int nodes, long seed, INetworkModel network, Func<int, Random, Node> factory, long startTime = 0)
    {
        if (nodes < 1 || nodes > MaxNodes) throw new ArgumentOutOfRangeException(nameof(nodes), $"1..{MaxNodes}");
        NodeCount = nodes;
        Seed = seed;
        Network = network;
        _factory = factory;
        _slots = new NodeSlot[nodes];
        for (int i = 0; i < nodes; i++) _slots[i].TimerAt = Time.Never;
        _endPoints = new IPEndPoint?[nodes];
        _incarnation = new int[nodes];
        Addresses = new SimAddresses(nodes, ListenPort);
        _connections = new ConnectionTable(nodes);
        _network = RandomStreams.For(seed, RandomStreams.Network);
        Now = startTime;
        Traffic = new TrafficStats(nodes);
    }

    public int NodeCount { get; }
    public long Seed { get; }
    public INetworkModel Network { get; }
    public long Now { get; private set; }
    public long EventsProcessed { get; private set; }
    public long MessagesDropped { get; private set; }
    public TrafficStats Traffic { get; }
    /// <summary>Node index ↔ IPv4 address (public, spread over /16 groups).</summary>
    public SimAddresses Addresses { get; }
    /// <summary>Dials that failed (refused by a dead node, timed out across a cut, unknown address), reported to live dialers.</summary>
    public long DialsFailed { get; private set; }
    public int OpenConnections => _connections.Open;

    /// <summary>Pending events peak at about 2.6 per planned connection while every node connects at once
    /// (100,000-node scale preset: 2.28 M events for 863 k connections): version, verack and the first ping in flight.</summary>
    public const int PeakEventsPerConnection = 3;

    /// <summary>Room for the connections the scenario plans (the generated topology) and their peak of pending
    /// events; more still fit.</summary>
    public void ReserveConnections(int count)
    {
        _connections.Reserve(count);
        _queue.Reserve((int)Math.Min(Array.MaxLength, (long)count * PeakEventsPerConnection));
    }
    public int PendingEvents => _queue.Count;

    /// <summary>Called after a node handled a delivered message: (receiver, its peer id, sender, message, now).</summary>
    public Action<int, PeerId, int, IMessage, long>? MessageDelivered { get; set; }

    /// <summary>Called once per side when a connection's handshake completes: (node, peer, remote node, now).</summary>
    public Action<int, Peer, int, long>? PeerEstablished { get; set; }

    /// <summary>Called when a node closes a connection itself: (node, remote node, reason, now).</summary>
    public Action<int, int, DisconnectReason, long>? PeerClosedLocally { get; set; }

    /// <summary>Rewrites, holds or withholds what adversarial nodes send (null: every node sends what its engine says).</summary>
    public ISendTamper? Tamper { get; set; }

    /// <summary>Called for every log line a node emits (for debugging; off by default).</summary>
    public Action<int, LogLine>? Log { get; set; }

    public Node? GetNode(int index) => _slots[index].Engine;
    public bool IsAlive(int index) => _slots[index].Alive;
    public IReadOnlyList<Partition> Partitions => _partitions;
    public void AddPartition(Partition partition) => _partitions.Add(partition);

    /// <summary>A per-purpose seed: the node index (or a negative purpose code) mixed into the run's seed (SplitMix64).</summary>
    public static int SeedFor(long seed, long purpose)
    {
        ulong z = (ulong)seed + 0x9E3779B97F4A7C15UL * (ulong)(purpose + 2);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (int)(z & 0x7FFFFFFF);
    }

    public IPEndPoint EndPointOf(int index) => _endPoints[index] ??= new IPEndPoint(Addresses.AddressOf(index), ListenPort);

    /// <summary>The node behind a simulated address, or -1.</summary>
    public int IndexOf(IPEndPoint endPoint) => Addresses.IndexOf(endPoint);

    /// <summary>How many times node <paramref name="index"/> has started (0 before its first start).</summary>
    public int Incarnation(int index) => _incarnation[index];

    // ---- scheduling -------------------------------------------------------------------------------------------

    /// <summary>Schedules node <paramref name="index"/> to start (listen) at <paramref name="at"/>.</summary>
    public void ScheduleStart(int index, long at) => _queue.Schedule(at, new SimEvent(EventKind.Start, index, -1, null, 0));

    /// <summary>Schedules node <paramref name="index"/> to dial its <see cref="PlannedOutbound"/> at <paramref name="at"/>.</summary>
    public void ScheduleConnect(int index, long at) => _queue.Schedule(at, new SimEvent(EventKind.ConnectPlanned, index, -1, null, 0));

    public void Schedule(long at, ISimAction action) => _queue.Schedule(at, new SimEvent(EventKind.Action, -1, -1, action, 0));

    /// <summary>How many connections node v will hold (its degree in the planned topology; 0 or null: unknown): its
    /// engine's per-peer tables and its link table are sized for them when it is built (<see cref="Node.ReservePeers"/>).</summary>
    public Func<int, int>? ExpectedPeers { get; set; }

    /// <summary>The outbound connections each node opens when it starts (the generated topology).</summary>
    public Func<int, ReadOnlyMemory<int>>? PlannedOutbound { get; set; }

    /// <summary>Runs events until the queue is empty, virtual time passes <paramref name="until"/>, or <paramref name="stop"/> says so.</summary>
    public void Run(long until, Func<bool>? stop = null, Action<SimRuntime>? progress = null, long progressEvery = 1_000_000)
    {
        while (_queue.TryPeekTime(out long t) && t <= until)
        {
            _queue.TryDequeue(out var e, out t);
            Now = t;
            Dispatch(e);
            EventsProcessed++;
            if (progress is not null && EventsProcessed % progressEvery == 0) progress(this);
            if (stop is not null && stop()) return;
        }
        Now = Math.Max(Now, until); // nothing else happens before `until`: the clock stands there
    }

    /// <summary>When set, every event's handling is timed into it (<c>nodus sim --profile</c>).</summary>
    public EventCostProfile? CostProfile { get; set; }

    private void Dispatch(in SimEvent e)
    {
        if (CostProfile is null)
        {
            Handle(e);
            return;
        }
        // The row's name is found before the clock starts: naming allocates (the kind's string), handling is measured.
        string what = e.Kind switch
        {
            EventKind.Deliver => ((IMessage)e.Payload!).Command,
            EventKind.Action => e.Payload!.GetType().Name,
            _ => e.Kind.ToString(),
        };
        CostProfile.Start();
        Handle(e);
        CostProfile.Stop(what);
    }

    private void Handle(in SimEvent e)
    {
        switch (e.Kind)
        {
            case EventKind.Deliver: OnDeliver(e); break;
            case EventKind.Accept: OnAccept(e.Connection); break;
            case EventKind.DialComplete: OnDialComplete(e.Connection); break;
            case EventKind.DialFailed: OnDialFailed(e); break;
            case EventKind.RemoteClose: OnRemoteClose(e.Node, e.Connection); break;
            case EventKind.Timer: OnTimerEvent(e.Node, e.Aux); break;
            case EventKind.Start: StartNode(e.Node); break;
            case EventKind.ConnectPlanned: ConnectPlanned(e.Node); break;
            case EventKind.Action: ((ISimAction)e.Payload!).Run(this, Now); break;
        }
    }

    // ---- node lifecycle --------------------------------------------------------------------------------------

    private void StartNode(int v)
    {
        if (_slots[v].Alive) return;
        // A restarted node is a new process: a fresh engine with its own random stream (the first keeps SeedFor(seed, v)).
        int incarnation = _incarnation[v]++;
        var node = _slots[v].Engine;
        if (node is null)
        {
            node = _slots[v].Engine = _factory(v, new Random(incarnation == 0 ? SeedFor(Seed, v) : SeedFor(Seed, v + (long)incarnation * NodeCount)));
            if (ExpectedPeers?.Invoke(v) is > 0 and var expected)
            {
                node.ReservePeers(expected);
                _connections.ReserveLinks(v, expected);
            }
        }
        // Nobody reads a hundred thousand nodes' logs: the core skips formatting them unless a listener is set.
        node.Context.MinimumLogSeverity = Log is null ? LogSeverity.Warning : LogSeverity.Debug;
        _slots[v].Alive = true;
        node.Start(Now);
        AfterInput(v);
    }

    private void ConnectPlanned(int v)
    {
        if (!_slots[v].Alive || PlannedOutbound is null) return;
        foreach (int target in PlannedOutbound(v).Span) Dial(v, target, ConnectionType.OutboundFullRelay);
    }

    /// <summary>
    /// A clean departure: the node persists its state and closes its connections (<see cref="Node.Shutdown"/>; its
    /// peers see each close after one latency), then leaves as <see cref="Crash"/> does. <see cref="ScheduleStart"/>
    /// brings it back later as a fresh engine.
    /// </summary>
    public void Stop(int v)
    {
        if (!_slots[v].Alive) return;
        _slots[v].Engine!.Shutdown(Now);
        AfterInput(v);
        Crash(v);
    }

    /// <summary>
    /// Removes a node at once (crash or departure). Its peers learn it after one latency (the OS answers with a reset);
    /// with <paramref name="silent"/> they only find out through their own keep-alive timeouts.
    /// </summary>
    public void Crash(int v, bool silent = false)
    {
        if (!_slots[v].Alive) return;
        _slots[v].Alive = false;
        _slots[v].Engine = null; // a node that rejoins starts with a fresh engine, as a restarted process would
        _slots[v].TimerAt = Time.Never;
        foreach (var link in _connections.Links(v).ToArray())
        {
            ref var c = ref _connections[link.Connection];
            bool isA = c.A == v;
            if (isA) c.OpenA = false; else c.OpenB = false;
            _connections.Unlink(v, link.Peer);
            if (!silent) ScheduleRemoteClose(link.Connection, fromA: isA);
            else TryRelease(link.Connection);
        }
    }

    // ---- connections -----------------------------------------------------------------------------------------

    /// <summary>Node <paramref name="a"/> dials node <paramref name="b"/>: B accepts after one latency, A is connected after a round trip.</summary>
    public void Dial(int a, int b, ConnectionType type)
    {
        if (b < 0 || b == a || IsCut(a, b, Now))
        {
            _queue.Schedule(Now + ConnectTimeout, new SimEvent(EventKind.DialFailed, a, -1,
                new DialFailure(b < 0 ? null : EndPointOf(b), type, b < 0 ? "unknown address" : "connect timeout"), 0));
            return;
        }
        int id = _connections.Create(a, b, type);
        ref var c = ref _connections[id];
        long there = Now + Network.Latency(a, b, Now, _network);
        long back = there + Network.Latency(b, a, there, _network);
        c.LastArrivalAtB = there;
        c.LastArrivalAtA = back; // B's first bytes cannot reach A before A knows it is connected
        c.Pending = 2;
        _queue.Schedule(there, new SimEvent(EventKind.Accept, b, id, null, 0));
        _queue.Schedule(back, new SimEvent(EventKind.DialComplete, a, id, null, 0));
    }

    private void OnAccept(int id)
    {
        ref var c = ref _connections[id];
        c.Pending--;
        if (!_slots[c.B].Alive)
        {
            c.Aborted = true; // nobody listening: the SYN is answered with a reset
            _queue.Schedule(Now + Network.Latency(c.B, c.A, Now, _network), new SimEvent(EventKind.DialFailed, c.A, -1,
                new DialFailure(EndPointOf(c.B), c.Type, "connection refused"), 0));
            TryRelease(id);
            return;
        }
        var acceptor = _slots[c.B].Engine!;
        if (!acceptor.ShouldAcceptInbound(EndPointOf(c.A), Now))
        {
            // Connection policy refused (banned, or inbound slots full and nobody evictable): the socket is closed
            // at once, which the dialer sees as a failed connection after one latency.
            c.Aborted = true;
            _queue.Schedule(Now + Network.Latency(c.B, c.A, Now, _network), new SimEvent(EventKind.DialFailed, c.A, -1,
                new DialFailure(EndPointOf(c.B), c.Type, "connection closed by peer"), 0));
            TryRelease(id);
            AfterInput(c.B);
            return;
        }
        c.OpenB = true;
        var inbound = acceptor.OnConnected(EndPointOf(c.A), ConnectionType.Inbound, Now);
        c.PeerB = acceptor.GetPeer(inbound);
        _connections.Link(c.B, inbound, id);
        AfterInput(c.B);
    }

    private void OnDialComplete(int id)
    {
        ref var c = ref _connections[id];
        c.Pending--;
        if (c.Aborted)
        {
            TryRelease(id);
            return;
        }
        if (!_slots[c.A].Alive)
        {
            // The dialer died meanwhile: the acceptor sees the connection drop.
            if (c.OpenB) ScheduleRemoteClose(id, fromA: true);
            TryRelease(id);
            return;
        }
        c.OpenA = true;
        var dialer = _slots[c.A].Engine!;
        var outbound = dialer.OnConnected(EndPointOf(c.B), c.Type, Now);
        c.PeerA = dialer.GetPeer(outbound);
        _connections.Link(c.A, outbound, id);
        AfterInput(c.A);
    }

    private void OnDialFailed(in SimEvent e)
    {
        if (!_slots[e.Node].Alive) return;
        var f = (DialFailure)e.Payload!;
        DialsFailed++;
        _slots[e.Node].Engine!.OnDialFailed(f.EndPoint ?? new IPEndPoint(IPAddress.None, 0), f.Type, f.Reason, Now);
        AfterInput(e.Node);
    }

    private void ScheduleRemoteClose(int id, bool fromA)
    {
        ref var c = ref _connections[id];
        int from = fromA ? c.A : c.B, to = fromA ? c.B : c.A;
        long at = Now + Network.Latency(from, to, Now, _network);
        // The FIN follows the data already in flight.
        if (fromA) at = c.LastArrivalAtB = Math.Max(at, c.LastArrivalAtB);
        else at = c.LastArrivalAtA = Math.Max(at, c.LastArrivalAtA);
        c.Pending++;
        _queue.Schedule(at, new SimEvent(EventKind.RemoteClose, to, id, null, 0));
    }

    private void OnRemoteClose(int node, int id)
    {
        ref var c = ref _connections[id];
        c.Pending--;
        bool isA = c.A == node;
        if (isA ? c.OpenA : c.OpenB)
        {
            var peer = (isA ? c.PeerA : c.PeerB)!.Id;
            if (isA) c.OpenA = false; else c.OpenB = false;
            _connections.Unlink(node, peer);
            _slots[node].Engine!.OnDisconnected(peer, Now, "connection reset by peer");
            AfterInput(node);
        }
        TryRelease(id);
    }

    private void TryRelease(int id)
    {
        if (_connections[id].IsDone) _connections.Release(id);
    }

    // ---- messages --------------------------------------------------------------------------------------------

    private void Send(int from, PeerId peer, IMessage message)
    {
        if (Tamper is { } tamper && tamper.Applies(from))
        {
            var sent = tamper.Tamper(from, message, Now, out long hold);
            if (sent is null) return;
            if (hold > 0)
            {
                _queue.Schedule(Now + hold, new SimEvent(EventKind.Action, -1, -1, new HeldSend(from, _slots[from].Engine!, peer, sent), 0));
                return;
            }
            message = sent;
        }
        Transmit(from, peer, message);
    }

    /// <summary>A message an adversarial node held back: sent later if the same engine still has the connection.</summary>
    private sealed record HeldSend(int From, Node Engine, PeerId Peer, IMessage Message) : ISimAction
    {
        public void Run(SimRuntime runtime, long now)
        {
            if (runtime._slots[From].Alive && ReferenceEquals(runtime._slots[From].Engine, Engine)) runtime.Transmit(From, Peer, Message);
        }
    }

    private void Transmit(int from, PeerId peer, IMessage message)
    {
        int id = _connections.Find(from, peer);
        if (id < 0) return; // the peer is already gone on our side
        ref var c = ref _connections[id];
        bool fromA = c.A == from;
        int to = fromA ? c.B : c.A;
        int size = _sizes.SizeOf(message);
        _slots[from].Engine!.RecordSent(peer, message.Command, size, Now);
        Traffic.RecordSent(from, message.Command, size);

        // Both access links serialise their messages (a queue per node and direction) and the bits stream through
        // them pipelined, as TCP does: unqueued, a message takes latency + size / min(upload, download), SimBlock's
        // formula. Only bulk messages (more than one segment) queue for the receiver's download link, which is
        // booked when they are sent (an approximation: a later send that would overtake on the wire still queues
        // behind). A one-segment message — ping, inv, headers announcement, most transactions — passes alongside, as
        // TCP interleaves concurrent connections; booking the link for it would let a keep-alive ping from a distant
        // peer hold up a block from a near one for the ping's whole latency.
        long start = Math.Max(Math.Max(Now, _slots[from].BusyUntil), _slots[from].UploadFreeAt);
        long departed = start + TransmissionTime(size, Network.UploadBitsPerSecond(from));
        _slots[from].UploadFreeAt = departed;
        long latency = Network.Latency(from, to, start, _network);
        bool bulk = size > SegmentBytes;
        long receiveStart = bulk ? Math.Max(start + latency, _slots[to].DownloadFreeAt) : start + latency;
        long arrival = Math.Max(receiveStart + TransmissionTime(size, Network.DownloadBitsPerSecond(to)), departed + latency);
        if (bulk) _slots[to].DownloadFreeAt = arrival;
        foreach (var p in _partitions)
        {
            if (!p.Cuts(from, to, departed)) continue;
            if (p.Mode == PartitionMode.Drop)
            {
                MessagesDropped++;
                return;
            }
            arrival = Math.Max(arrival, p.Until + Network.Latency(from, to, p.Until, _network));
        }
        if (fromA) arrival = c.LastArrivalAtB = Math.Max(arrival, c.LastArrivalAtB);
        else arrival = c.LastArrivalAtA = Math.Max(arrival, c.LastArrivalAtA);
        c.Pending++;
        _queue.Schedule(arrival, new SimEvent(EventKind.Deliver, to, id, message, size));
    }

    private void OnDeliver(in SimEvent e)
    {
        int node = e.Node, id = e.Connection;
        ref var c = ref _connections[id];
        c.Pending--;
        bool isA = c.A == node;
        if (!(isA ? c.OpenA : c.OpenB) || !_slots[node].Alive)
        {
            MessagesDropped++;
            TryRelease(id);
            return;
        }
        var peer = (isA ? c.PeerA : c.PeerB)!;
        int sender = isA ? c.B : c.A;
        // Only Transmit schedules deliveries, always with the message as payload: no interface cast check needed
        // (the checked cast was 5% of the keep-alive's cost).
        var message = Unsafe.As<IMessage>(e.Payload!);
        int size = (int)e.Aux;
        Traffic.RecordReceived(node, size);
        var engine = _slots[node].Engine!;
        bool wasEstablished = message is VerackMessage && peer.IsEstablished;
        bool reachedComponents = engine.OnMessage(peer, message, size, Now);
        if (message is VerackMessage && !wasEstablished && PeerEstablished is not null && peer.IsEstablished)
            PeerEstablished(node, peer, sender, Now);
        MessageDelivered?.Invoke(node, peer.Id, sender, message, Now);
        AfterInput(node, reachedComponents);
    }

    /// <summary>Microseconds to push <paramref name="bytes"/> through a link of <paramref name="bitsPerSecond"/> (0: unlimited).</summary>
    /// <summary>One Ethernet frame's worth (1,500-byte MTU, RFC 894): messages up to this size do not queue for the
    /// receiver's download link.</summary>
    public const int SegmentBytes = 1500;

    public static long TransmissionTime(int bytes, long bitsPerSecond) =>
        bitsPerSecond <= 0 ? 0 : (long)Math.Ceiling(bytes * 8.0 * Time.Second / bitsPerSecond);

    public bool IsCut(int a, int b, long now)
    {
        foreach (var p in _partitions)
            if (p.Cuts(a, b, now)) return true;
        return false;
    }

    // ---- outputs and timers ----------------------------------------------------------------------------------

    /// <summary>Drains the node's outputs and re-arms its timer; call after every input handed to a node.</summary>
    public void AfterInput(int v) => AfterInput(v, componentsChanged: true);

    /// <param name="componentsChanged">False after a message the node's session handled alone (a ping or pong):
    /// then its <see cref="Node.ComponentWakeup"/> is the one remembered, not asked of every behaviour again.</param>
    private void AfterInput(int v, bool componentsChanged)
    {
        var node = _slots[v].Engine!;
        // Outputs past a validation the input asked time for (HoldOutputs) leave once the node is done with it.
        int toHold = _slots[v].HoldMicros > 0 ? _slots[v].HoldAfter : -1;
        while (node.TryPollOutput(out var output, out var sendTo, out var message))
        {
            if (toHold >= 0 && toHold-- == 0) StartValidation(v);
            if (output is null)
            {
                Send(v, sendTo, message!);
                continue;
            }
            switch (output)
            {
                case ClosePeer close:
                    CloseLocal(v, close.Peer, close.Reason);
                    componentsChanged = true; // the behaviours saw the peer go
                    break;
                case DialPeer dial:
                    Dial(v, IndexOf(dial.EndPoint), dial.Type);
                    break;
                case LogLine line:
                    Log?.Invoke(v, line);
                    break;
                case ResolveSeeds resolve:
                    DnsResolver?.Invoke(v, resolve.Hosts); // without a resolver the query is never answered, as offline
                    break;
            }
        }
        if (toHold >= 0) StartValidation(v); // nothing followed the validation
        if (!_slots[v].Alive) return;
        if (componentsChanged) _slots[v].ComponentWakeAt = node.ComponentWakeup;
        long wake = Math.Min(node.SessionWakeup, _slots[v].ComponentWakeAt);
        if (wake != _slots[v].TimerAt)
        {
            _slots[v].TimerAt = wake;
            if (wake != Time.Never) _queue.Schedule(Math.Max(wake, Now), new SimEvent(EventKind.Timer, v, -1, null, wake));
        }
    }

    /// <summary>
    /// Called during an input to node <paramref name="v"/> (from a core event such as a block connected): the node spends
    /// <paramref name="micros"/> of virtual time on validation from here on, so what it sends from now (the outputs
    /// queued after this point, and those of later inputs) leaves no earlier than that. Validation otherwise takes no
    /// virtual time. Outputs already queued by this input (a high-bandwidth compact block push) are not held.
    /// </summary>
    public void HoldOutputs(int v, long micros)
    {
        if (micros <= 0 || _slots[v].Engine is not { } node) return;
        if (_slots[v].HoldMicros == 0) _slots[v].HoldAfter = node.PendingOutputs;
        _slots[v].HoldMicros += micros;
    }

    private void StartValidation(int v)
    {
        ref var slot = ref _slots[v];
        slot.BusyUntil = Math.Max(slot.BusyUntil, Now) + slot.HoldMicros;
        slot.HoldMicros = 0;
    }

    private void CloseLocal(int v, PeerId peer, DisconnectReason reason)
    {
        int id = _connections.Find(v, peer);
        if (id < 0) return;
        ref var c = ref _connections[id];
        bool isA = c.A == v;
        PeerClosedLocally?.Invoke(v, isA ? c.B : c.A, reason, Now);
        if (isA) c.OpenA = false; else c.OpenB = false;
        _connections.Unlink(v, peer);
        ScheduleRemoteClose(id, fromA: isA);
        _slots[v].Engine!.OnDisconnected(peer, Now);
    }

    private void OnTimerEvent(int v, long wake)
    {
        if (!_slots[v].Alive || _slots[v].TimerAt != wake) return; // superseded by a later re-arm
        _slots[v].TimerAt = Time.Never;
        if (_slots[v].ComponentWakeAt > Now)
        {
            // Only a peer session is due (a keep-alive ping or timeout): no behaviour needs asking.
            _slots[v].Engine!.OnSessionTimers(Now);
            AfterInput(v, componentsChanged: false);
            return;
        }
        _slots[v].Engine!.OnTimer(Now);
        AfterInput(v);
    }

    /// <summary>Hands a command to a node from outside the protocol (a workload submitting a transaction, an RPC).</summary>
    public void Input(int v, Action<Node, long> input)
    {
        if (!_slots[v].Alive) return;
        input(_slots[v].Engine!, Now);
        AfterInput(v);
    }

    /// <summary>Answers a node's DNS queries for its seeds (the core's <see cref="ResolveSeeds"/>), when the scenario has DNS seeds.</summary>
    public Action<int, IReadOnlyList<string>>? DnsResolver { get; set; }

    /// <summary>A message's round trip between two nodes now, without bandwidth (a DNS query and its answer).</summary>
    public long RoundTrip(int a, int b)
    {
        long there = Network.Latency(a, b, Now, _network);
        return there + Network.Latency(b, a, Now + there, _network);
    }

    public int ConnectionCount(int v) => _connections.LinkCount(v);

    /// <summary>The node at the other end of <paramref name="v"/>'s connection <paramref name="peer"/>, or -1.</summary>
    public int RemoteOf(int v, PeerId peer)
    {
        int id = _connections.Find(v, peer);
        if (id < 0) return -1;
        ref var c = ref _connections[id];
        return c.A == v ? c.B : c.A;
    }

    /// <summary>The remote node of each open connection of <paramref name="v"/>.</summary>
    public IEnumerable<int> Neighbours(int v)
    {
        foreach (var link in _connections.Links(v).ToArray())
        {
            var c = _connections[link.Connection];
            yield return c.A == v ? c.B : c.A;
        }
    }

    private sealed record DialFailure(IPEndPoint? EndPoint, ConnectionType Type, string Reason);
}

/// <summary>
/// Real encoded sizes (24-byte header + payload), cached per message object: a relayed transaction is one object
/// that a node sends to many peers in a row, so it is encoded once. A small ring of recent objects compared by
/// reference (no hashing: hashing a fresh object's identity is slow in .NET) bounds the cache. Sizes are counted
/// by encoding into a reused scratch buffer: every ping and pong is a new object, 15 M of them in the bitcoin preset.
/// Blocks and compact blocks are keyed by their body, which every hop wraps in a new message; headers announcements,
/// a new message for each peer, are sized from their count.
/// </summary>
internal sealed class MessageSizeCache
{
    private const int Slots = 8;
    private readonly IMessage?[] _keys = new IMessage?[Slots];
    private readonly int[] _sizes = new int[Slots];
    private int _next;

    private readonly object?[] _blocks = new object?[Slots]; // Block or CompactBlock
    private readonly int[] _blockSizes = new int[Slots];
    private int _nextBlock;

    public int SizeOf(IMessage message)
    {
        // A headers announcement is a new message for each peer: its size follows from the count alone.
        if (message is HeadersMessage headers) return Nodus.Wire.Framing.MessageHeader.Size + HeadersMessage.PayloadSize(headers.Headers.Count);
        // Each getdata answer is a new BlockMessage around the same block object, and each high-bandwidth push a new
        // CmpctBlockMessage around the node's one compact form of the block: key them by that object, so a block
        // is encoded once, not once per hop.
        object? body = message switch { BlockMessage bm => bm.Block, CmpctBlockMessage cm => cm.Block, _ => null };
        if (body is not null)
        {
            for (int i = 0; i < Slots; i++)
                if (ReferenceEquals(_blocks[i], body)) return _blockSizes[i];
            int blockSize = Nodus.Wire.Framing.MessageHeader.Size + MessageCodec.PayloadSize(message);
            _blocks[_nextBlock] = body;
            _blockSizes[_nextBlock] = blockSize;
            _nextBlock = (_nextBlock + 1) % Slots;
            return blockSize;
        }
        for (int i = 0; i < Slots; i++)
            if (ReferenceEquals(_keys[i], message)) return _sizes[i];
        int size = Nodus.Wire.Framing.MessageHeader.Size + MessageCodec.PayloadSize(message);
        _keys[_next] = message;
        _sizes[_next] = size;
        _next = (_next + 1) % Slots;
        return size;
    }
}

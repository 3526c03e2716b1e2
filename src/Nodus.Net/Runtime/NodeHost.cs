using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Nodus.Core;
using Nodus.Core.Peers;
using Nodus.Wire.Encoding;
using Nodus.Wire.Framing;

namespace Nodus.Net.Runtime;

/// <summary>
/// Binds one <see cref="Core.Node"/> to real sockets and the system clock. Socket tasks post inputs into a bounded
/// channel; one event loop consumes it and is the only thread that touches the node: it calls the node with the
/// current time, drains its outputs (send, close, dial, log) and sleeps until the node's next wakeup or the next
/// input. Anything else that needs the node (RPC, dashboard) goes through <see cref="InvokeAsync{T}"/>.
/// </summary>
public sealed class NodeHost : IAsyncDisposable
{
    /// <summary>
    /// Inputs waiting for the loop. Read loops wait when it is full, which stops them reading their sockets: TCP
    /// back-pressure instead of unbounded memory. Each input is at most one decoded message (≤ 4 MB).
    /// </summary>
    public const int MaxPendingInputs = 1024;

    /// <summary>Inputs handled before the loop checks timers again, so a flood cannot starve pings and deadlines.</summary>
    private const int MaxInputsPerTurn = 256;

    /// <summary>Longest sleep when the node needs no timer: the loop wakes once an hour anyway (cheap, harmless).</summary>
    private static readonly TimeSpan MaxSleep = TimeSpan.FromHours(1);

    private enum HostState { Created, Running, Stopped }

    private readonly NodeHostOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<HostInput> _inputs = Channel.CreateBounded<HostInput>(
        new BoundedChannelOptions(MaxPendingInputs) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly Dictionary<PeerId, PeerConnection> _connections = [];
    private readonly CancellationTokenSource _stopRequested = new();
    private readonly CancellationTokenSource _acceptStop = new();
    private readonly Func<HostInput, ValueTask> _post;
    private Socket? _listener;
    private Task _loop = Task.CompletedTask;
    private Task _acceptLoop = Task.CompletedTask;
    private int _state = (int)HostState.Created;
    private bool _stopping; // event loop only
    private int _negotiating; // inbound sockets in TLS negotiation; event loop only
    private readonly TlsNegotiator _tls;

    public NodeHost(NodeHostOptions options, ILoggerFactory loggerFactory)
    {
        options.Tls.Validate();
        _options = options;
        _tls = new TlsNegotiator(options.Tls);
        _logger = loggerFactory.CreateLogger("Nodus.Node");
        _post = input => _inputs.Writer.WriteAsync(input);
        int seed = options.RandomSeed ?? RandomNumberGenerator.GetInt32(int.MaxValue);
        var random = new Random(seed);
        Node = options.CreateNode?.Invoke(random) ?? new Node(options.Node with { Services = options.Tls.Advertise(options.Node.Services) }, random);
        options.Configure?.Invoke(Node);
    }

    /// <summary>The engine. Touch it only on the event loop, i.e. inside <see cref="InvokeAsync{T}"/>.</summary>
    public Node Node { get; }

    public NodeHostOptions Options => _options;

    /// <summary>The bound listening address (with the real port when 0 was asked for); null when not listening.</summary>
    public IPEndPoint? ListenEndPoint { get; private set; }

    /// <summary>Signalled when someone asks the node to stop (RPC stop, a fatal loop error); the owner then calls <see cref="StopAsync"/>.</summary>
    public CancellationToken StopRequested => _stopRequested.Token;

    public void RequestStop() => _stopRequested.Cancel();

    /// <summary>Binds the listener (throws <see cref="SocketException"/> if the address is taken) and starts the loop.</summary>
    public Task StartAsync()
    {
        if (Interlocked.CompareExchange(ref _state, (int)HostState.Running, (int)HostState.Created) != (int)HostState.Created)
            throw new InvalidOperationException("the node host was already started");
        if (_options.Tls.Fingerprint is { } fingerprint)
        {
            string mode = _options.Tls.Mode.ToName();
            HostLog.TlsFingerprint(_logger, mode, fingerprint);
        }
        if (_options.Listen is { } listen)
        {
            var listener = new Socket(listen.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                if (listen.AddressFamily == AddressFamily.InterNetworkV6) listener.DualMode = true;
                listener.Bind(listen);
                listener.Listen();
            }
            catch
            {
                listener.Dispose();
                Volatile.Write(ref _state, (int)HostState.Stopped);
                throw;
            }
            _listener = listener;
            ListenEndPoint = (IPEndPoint)listener.LocalEndPoint!;
            HostLog.Listening(_logger, ListenEndPoint);
            _acceptLoop = Task.Run(() => AcceptLoopAsync(listener));
        }
        var started = InvokeAsync((node, now) =>
        {
            if (_options.OnStart is { } onStart) onStart(node, now);
            else node.Start(now);
            return true;
        });
        _loop = Task.Run(RunLoopAsync);
        return started;
    }

    /// <summary>
    /// Runs <paramref name="function"/> on the event loop with the current time and returns its result. Thread-safe.
    /// Outputs the function causes (a dial, a close) are carried out right after it. Never await it from inside the
    /// loop itself (from a behaviour): that would wait for itself.
    /// </summary>
    public Task<T> InvokeAsync<T>(Func<Node, long, T> function)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var invocation = new Invocation((node, now) =>
        {
            try { done.SetResult(function(node, now)); }
            catch (Exception e) { done.SetException(e); }
        });
        return _inputs.Writer.TryWrite(invocation) ? done.Task : PostSlowlyAsync(invocation, done.Task);
    }

    /// <summary>
    /// The underlay's verdict on a remote address: false refuses inbound connections from it and dials to it (the
    /// dashboard's network cut). Settable at any time from any thread; existing connections are closed by the caller.
    /// </summary>
    public Func<IPAddress, bool>? ConnectionFilter
    {
        get => Volatile.Read(ref _connectionFilter);
        set => Volatile.Write(ref _connectionFilter, value);
    }

    private Func<IPAddress, bool>? _connectionFilter;

    /// <summary>The local address of a peer's socket (getpeerinfo addrbind). Event loop only.</summary>
    public IPEndPoint? LocalEndPointOf(PeerId id) => _connections.GetValueOrDefault(id)?.Local;

    /// <summary>Whether a peer's connection is TLS, and its certificate's fingerprint (getpeerinfo tls). Event loop only.</summary>
    public PeerTransportInfo? TransportOf(PeerId id) => _connections.GetValueOrDefault(id)?.Transport;

    /// <summary>Bytes waiting in a peer's send queue. Event loop only.</summary>
    public long SendQueueBytesOf(PeerId id) => _connections.GetValueOrDefault(id)?.QueuedBytes ?? 0;

    /// <summary>Stops accepting, closes every peer (flushing what is queued, bounded in time) and ends the loop.</summary>
    public async Task StopAsync()
    {
        int previous = Interlocked.Exchange(ref _state, (int)HostState.Stopped);
        if (previous != (int)HostState.Running) return;
        _stopRequested.Cancel();
        await _acceptStop.CancelAsync().ConfigureAwait(false);
        _listener?.Dispose();
        await _acceptLoop.ConfigureAwait(false);

        List<Task> closing = [];
        try
        {
            closing = await InvokeAsync((node, now) =>
            {
                _stopping = true;
                HostLog.Stopping(_logger, _connections.Count);
                var tasks = _connections.Values.Select(c => c.Completion).ToList();
                node.Shutdown(now);
                DrainOutputs(now);
                return tasks;
            }).ConfigureAwait(false);
        }
        catch (InvalidOperationException) { } // the loop already died; its connections died with it
        try
        {
            await Task.WhenAll(closing).WaitAsync(_options.CloseFlushTimeout + TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        }
        catch (TimeoutException) { }
        _inputs.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        HostLog.Stopped(_logger);
    }

    public async ValueTask DisposeAsync()
    {
        if (Volatile.Read(ref _state) == (int)HostState.Running) await StopAsync().ConfigureAwait(false);
        _stopRequested.Dispose();
        _acceptStop.Dispose();
    }

    private async Task<T> PostSlowlyAsync<T>(Invocation invocation, Task<T> result)
    {
        try { await _inputs.Writer.WriteAsync(invocation).ConfigureAwait(false); }
        catch (ChannelClosedException) { throw new InvalidOperationException("the node has stopped"); }
        return await result.ConfigureAwait(false);
    }

    private async Task RunLoopAsync()
    {
        var reader = _inputs.Reader;
        var timer = new CancellationTokenSource();
        try
        {
            while (true)
            {
                int handled = 0;
                while (handled < MaxInputsPerTurn && reader.TryRead(out var input))
                {
                    Guarded(input, static (host, input, now) => host.Handle(input, now));
                    handled++;
                }
                long now = _options.Clock();
                if (Node.NextWakeup <= now)
                {
                    Guarded<HostInput?>(null, static (host, _, now) =>
                    {
                        host.Node.OnTimer(now);
                        host.DrainOutputs(now);
                    });
                    continue;
                }
                if (handled > 0) continue;

                long wait = Node.NextWakeup - now; // > 0 here
                var sleep = TimeSpan.FromMicroseconds(Math.Min(wait, (long)MaxSleep.TotalMicroseconds));
                timer.CancelAfter(sleep < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : sleep);
                try
                {
                    if (!await reader.WaitToReadAsync(timer.Token).ConfigureAwait(false)) return; // stopped and drained
                }
                catch (OperationCanceledException)
                {
                    timer.Dispose();
                    timer = new CancellationTokenSource(); // the wakeup time came
                    continue;
                }
                if (!timer.TryReset())
                {
                    timer.Dispose();
                    timer = new CancellationTokenSource();
                }
            }
        }
        catch (Exception e)
        {
            HostLog.LoopFailed(_logger, e);
            _inputs.Writer.TryComplete();
            foreach (var connection in _connections.Values) connection.Close(flush: false, TimeSpan.Zero);
            _stopRequested.Cancel();
        }
        finally
        {
            timer.Dispose();
        }
    }

    /// <summary>
    /// Runs one step of the engine. An exception there is a bug in a behaviour, not the peers' fault: it is logged
    /// and the node keeps serving (outputs queued before the failure are still carried out).
    /// </summary>
    private void Guarded<TState>(TState state, Action<NodeHost, TState, long> step)
    {
        long now = _options.Clock();
        try
        {
            step(this, state, now);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            HostLog.StepFailed(_logger, state?.GetType().Name ?? "timer", e);
            try { DrainOutputs(now); }
            catch (Exception again) when (again is not OutOfMemoryException) { HostLog.StepFailed(_logger, "outputs", again); }
        }
    }

    private void Handle(HostInput input, long now)
    {
        switch (input)
        {
            case PeerMessageReceived m when IsCurrent(m.Connection):
                Node.OnMessage(m.Connection.Id, m.Message, m.WireSize, now);
                break;
            case PeerUnknownCommand u when IsCurrent(u.Connection):
                Node.OnUnknownMessage(u.Connection.Id, u.Command, u.WireSize, now);
                break;
            case PeerProtocolError e when IsCurrent(e.Connection):
                Node.OnProtocolError(e.Connection.Id, e.Reason, now);
                break;
            case PeerTransportClosed c when IsCurrent(c.Connection):
                _connections.Remove(c.Connection.Id);
                c.Connection.Close(flush: false, TimeSpan.Zero);
                Node.OnDisconnected(c.Connection.Id, now, c.Reason);
                break;
            case InboundAccepted a:
                if (_stopping) RefuseInbound(a.Socket, "node is stopping");
                else if (!Allowed(a.Socket)) RefuseInbound(a.Socket, "cut off by the connection filter");
                else if (_connections.Count + _negotiating >= _options.MaxConnections) RefuseInbound(a.Socket, $"{_options.MaxConnections} connections already");
                else if (_tls.Mode == TlsMode.Off) AcceptInbound(PeerStream.Plain(a.Socket), now, refuseTlsHello: true);
                // TLS first, policy after: a peer the allowlist refuses must never get a member evicted for it.
                else StartInboundNegotiation(a.Socket);
                break;
            case InboundNegotiated n:
                _negotiating--;
                if (n.Stream is null) break;
                if (_stopping) n.Stream.Dispose();
                else AcceptInbound(n.Stream, now);
                break;
            case DialSucceeded d:
                if (_stopping)
                {
                    d.Stream.Dispose();
                    Node.OnDialFailed(d.EndPoint, d.Type, "node is stopping", now);
                }
                else Open(d.Stream, d.EndPoint, d.Type, now);
                break;
            case DialFailedInput f:
                Node.OnDialFailed(f.EndPoint, f.Type, f.Reason, now);
                break;
            case SeedsResolved r:
                Node.OnSeedsResolved(r.Host, r.Addresses, now);
                break;
            case Invocation i:
                i.Run(Node, now);
                break;
        }
        DrainOutputs(now);
    }

    private bool IsCurrent(PeerConnection connection) =>
        _connections.TryGetValue(connection.Id, out var current) && ReferenceEquals(current, connection);

    private void Open(PeerStream transport, IPEndPoint? dialed, ConnectionType type, long now, bool refuseTlsHello = false)
    {
        IPEndPoint remote;
        try
        {
            remote = Normalize(dialed ?? (IPEndPoint)transport.Socket.RemoteEndPoint!);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            transport.Dispose();
            if (dialed is not null) Node.OnDialFailed(dialed, type, e.Message, now);
            return;
        }
        var id = Node.OnConnected(remote, type, now);
        try
        {
            var connection = new PeerConnection(id, transport, _options.MaxSendQueueBytes, refuseTlsHello);
            _connections.Add(id, connection);
            connection.Start(_options.Magic, _post);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
        {
            transport.Dispose();
            _connections.Remove(id);
            Node.OnDisconnected(id, now, $"socket failed: {e.Message}");
        }
    }

    /// <summary>Peeks and, for TLS, handshakes off the loop; the result comes back as <see cref="InboundNegotiated"/>.</summary>
    private void StartInboundNegotiation(Socket socket)
    {
        _negotiating++;
        var token = _acceptStop.Token;
        _ = Task.Run(async () =>
        {
            PeerStream? stream = null;
            try
            {
                stream = await _tls.AcceptAsync(socket, token).ConfigureAwait(false);
            }
            catch (TlsRefusedException e)
            {
                EndPoint? remote = null;
                try { remote = socket.RemoteEndPoint; }
                catch (Exception) { } // already closed: the reason is what matters
                HostLog.TlsRefused(_logger, remote, e.Message);
                socket.Dispose();
            }
            catch (Exception) // stopping, or the socket failed under us
            {
                socket.Dispose();
            }
            try { await _inputs.Writer.WriteAsync(new InboundNegotiated(stream)).ConfigureAwait(false); }
            catch (ChannelClosedException) { stream?.Dispose(); }
        });
    }

    private bool Allowed(Socket socket)
    {
        if (ConnectionFilter is not { } filter) return true;
        try { return socket.RemoteEndPoint is IPEndPoint remote && filter(Normalize(remote).Address); }
        catch (SocketException) { return false; }
    }

    /// <summary>Connection policy (bans, inbound slots, eviction) decides before the engine hears of the socket.</summary>
    private void AcceptInbound(PeerStream transport, long now, bool refuseTlsHello = false)
    {
        IPEndPoint remote;
        try { remote = Normalize((IPEndPoint)transport.Socket.RemoteEndPoint!); }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            transport.Dispose();
            return;
        }
        if (!Node.ShouldAcceptInbound(remote, now))
        {
            HostLog.InboundRefused(_logger, remote, "refused by connection policy");
            transport.Dispose();
            return;
        }
        Open(transport, null, ConnectionType.Inbound, now, refuseTlsHello);
    }

    private void RefuseInbound(Socket socket, string reason)
    {
        EndPoint? remote = null;
        try { remote = socket.RemoteEndPoint; }
        catch (SocketException) { }
        HostLog.InboundRefused(_logger, remote, reason);
        socket.Dispose();
    }

    /// <summary>Carries out everything the node asked for, in order, until it has nothing more to say.</summary>
    private void DrainOutputs(long now)
    {
        while (Node.TryPollOutput(out var output))
        {
            switch (output)
            {
                case SendMessage s:
                    Send(s, now);
                    break;
                case ClosePeer c:
                    if (_connections.Remove(c.Peer, out var connection))
                        connection.Close(flush: c.Reason.Code != DisconnectCode.SendQueueFull, _options.CloseFlushTimeout);
                    Node.OnDisconnected(c.Peer, now);
                    break;
                case DialPeer d:
                    if (_stopping) Node.OnDialFailed(d.EndPoint, d.Type, "node is stopping", now);
                    else if (ConnectionFilter is { } filter && !filter(Normalize(d.EndPoint).Address))
                        Node.OnDialFailed(d.EndPoint, d.Type, "unreachable (cut off by the connection filter)", now);
                    else StartDial(d);
                    break;
                case ResolveSeeds r:
                    if (!_stopping) StartResolving(r.Hosts);
                    break;
                case LogLine l:
                    var level = ToLogLevel(l.Severity);
                    if (_logger.IsEnabled(level)) HostLog.Engine(_logger, level, l.Message);
                    break;
            }
        }
    }

    private void Send(SendMessage send, long now)
    {
        if (!_connections.TryGetValue(send.Peer, out var connection)) return;
        byte[] frame;
        try
        {
            frame = FrameWriter.Serialize(_options.Magic, send.Message);
        }
        catch (WireFormatException e)
        {
            // Our own message cannot be encoded (e.g. over the payload limit): a bug to log, not a reason to stop.
            HostLog.EncodeFailed(_logger, send.Message.Command, send.Peer, e.Message);
            return;
        }
        if (connection.TryEnqueue(frame))
        {
            Node.RecordSent(send.Peer, send.Message.Command, frame.Length, now);
            return;
        }
        HostLog.SendQueueFull(_logger, send.Peer, connection.Remote, _options.MaxSendQueueBytes);
        Node.ClosePeer(send.Peer, new DisconnectReason(DisconnectCode.SendQueueFull,
            $"more than {_options.MaxSendQueueBytes} bytes waiting to be sent"));
    }

    private void StartDial(DialPeer dial)
    {
        var timeout = _options.ConnectTimeout;
        _ = Task.Run(async () =>
        {
            HostInput result;
            try
            {
                var socket = await ConnectAsync(dial.EndPoint, timeout).ConfigureAwait(false);
                PeerStream stream;
                if (!_tls.ShouldOffer(dial.EndPoint)) stream = PeerStream.Plain(socket);
                else
                {
                    try
                    {
                        stream = await _tls.ConnectAsync(socket, _acceptStop.Token).ConfigureAwait(false);
                    }
                    catch (TlsRefusedException e) when (e.CanFallBack && _tls.Mode == TlsMode.On)
                    {
                        // The peer does not speak TLS (it closed on our ClientHello): dial again in plain TCP.
                        socket.Dispose();
                        HostLog.TlsFallback(_logger, dial.EndPoint, e.Message);
                        _tls.RememberPlain(dial.EndPoint);
                        stream = PeerStream.Plain(await ConnectAsync(dial.EndPoint, timeout).ConfigureAwait(false));
                    }
                    catch (Exception)
                    {
                        socket.Dispose();
                        throw;
                    }
                }
                result = new DialSucceeded(stream, dial.EndPoint, dial.Type);
            }
            catch (Exception e)
            {
                string reason = e switch
                {
                    OperationCanceledException => $"no answer within {timeout.TotalSeconds} s",
                    TlsRefusedException => $"TLS ({_tls.Mode.ToName()}): {e.Message}",
                    _ => e.Message,
                };
                if (e is TlsRefusedException) HostLog.TlsRefused(_logger, dial.EndPoint, e.Message);
                result = new DialFailedInput(dial.EndPoint, dial.Type, reason);
            }
            try { await _inputs.Writer.WriteAsync(result).ConfigureAwait(false); }
            catch (ChannelClosedException) { (result as DialSucceeded)?.Stream.Dispose(); }
        });
    }

    /// <summary>Resolves DNS seeds off the loop (the system resolver); a failure answers with no addresses, as the core expects.</summary>
    private void StartResolving(IReadOnlyList<string> hosts)
    {
        var timeout = _options.DnsTimeout;
        foreach (string host in hosts.Take(NodeHostOptions.MaxSeedHostsPerRequest))
        {
            _ = Task.Run(async () =>
            {
                IReadOnlyList<IPAddress> addresses;
                try
                {
                    using var cts = new CancellationTokenSource(timeout);
                    var found = await _options.ResolveHost(host, cts.Token).ConfigureAwait(false);
                    addresses = [.. found.Take(NodeHostOptions.MaxAddressesPerSeed).Select(a => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a)];
                }
                catch (Exception e)
                {
                    // Any failure is an empty answer: the core waits for every seed it asked, and a resolver (the
                    // system's, or DnsClient for --dns-server) must not leave it waiting by faulting this task.
                    if (e is not (SocketException or OperationCanceledException)) HostLog.SeedLookupFailed(_logger, host, e);
                    addresses = [];
                }
                try { await _inputs.Writer.WriteAsync(new SeedsResolved(host, addresses)).ConfigureAwait(false); }
                catch (ChannelClosedException) { }
            });
        }
    }

    /// <summary>A TCP connection to <paramref name="endPoint"/> within <paramref name="timeout"/>; the socket is
    /// disposed on failure.</summary>
    private async Task<Socket> ConnectAsync(IPEndPoint endPoint, TimeSpan timeout)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (_options.DialFrom is { } from) socket.Bind(new IPEndPoint(from, 0));
            using var cts = new CancellationTokenSource(timeout);
            await socket.ConnectAsync(endPoint, cts.Token).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        var token = _acceptStop.Token;
        while (!token.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                // E.g. out of file descriptors: back off briefly rather than spin.
                HostLog.AcceptFailed(_logger, e.Message);
                try { await Task.Delay(TimeSpan.FromMilliseconds(100), token).ConfigureAwait(false); }
                catch (OperationCanceledException) { return; }
                continue;
            }
            try
            {
                await _inputs.Writer.WriteAsync(new InboundAccepted(socket), token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
            {
                socket.Dispose();
                return;
            }
        }
    }

    private static IPEndPoint Normalize(IPEndPoint endPoint) =>
        endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;

    private static LogLevel ToLogLevel(LogSeverity severity) => severity switch
    {
        LogSeverity.Debug => LogLevel.Debug,
        LogSeverity.Information => LogLevel.Information,
        LogSeverity.Warning => LogLevel.Warning,
        _ => LogLevel.Error,
    };
}

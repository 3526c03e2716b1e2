using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Nodus.Core.Peers;
using Nodus.Wire.Framing;

namespace Nodus.Net.Runtime;

/// <summary>
/// One TCP connection's transport: a read loop that frames bytes from a <see cref="PipeReader"/> and posts decoded
/// messages to the event loop, and a write loop that drains a byte-bounded send queue into a <see cref="PipeWriter"/>.
/// It holds no protocol state; the engine owns that. Exceptions end the connection, never the node.
/// </summary>
internal sealed class PeerConnection
{
    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly bool _refuseTlsHello;
    private readonly PipeReader _reader;
    private readonly PipeWriter _writer;
    private readonly Channel<byte[]> _sendQueue = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _abort = new();
    private readonly long _maxQueuedBytes;
    private long _queuedBytes;
    private int _closing;
    private volatile string? _sendFailure;
    private Task _readLoop = Task.CompletedTask;
    private Task _writeLoop = Task.CompletedTask;

    /// <param name="refuseTlsHello">Close the connection if its first byte opens a TLS handshake: an inbound
    /// connection on a node with TLS off (closed as a transport matter, not as the peer's misbehaviour, so a peer
    /// with TLS on can fall back to plain TCP).</param>
    public PeerConnection(PeerId id, PeerStream transport, long maxQueuedBytes, bool refuseTlsHello = false)
    {
        Id = id;
        _socket = transport.Socket;
        _socket.NoDelay = true; // pings and small protocol messages should not wait for Nagle
        Remote = (IPEndPoint)_socket.RemoteEndPoint!;
        Local = (IPEndPoint)_socket.LocalEndPoint!;
        _stream = transport.Stream;
        Transport = new PeerTransportInfo(transport.IsTls, transport.RemoteFingerprint);
        _refuseTlsHello = refuseTlsHello;
        _reader = PipeReader.Create(_stream);
        _writer = PipeWriter.Create(_stream);
        _maxQueuedBytes = maxQueuedBytes;
    }

    public PeerId Id { get; }
    public IPEndPoint Remote { get; }
    public IPEndPoint Local { get; }
    public long QueuedBytes => Interlocked.Read(ref _queuedBytes);
    public PeerTransportInfo Transport { get; }

    /// <summary>Completes when both loops have ended and the socket is closed.</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    public void Start(uint magic, Func<HostInput, ValueTask> post)
    {
        _readLoop = Task.Run(() => ReadLoopAsync(magic, post));
        _writeLoop = Task.Run(() => WriteLoopAsync(post));
        Completion = Task.WhenAll(_readLoop, _writeLoop);
    }

    /// <summary>Queues a frame. False when the queue would exceed its byte limit: the caller closes the peer.</summary>
    public bool TryEnqueue(byte[] frame)
    {
        if (Interlocked.Add(ref _queuedBytes, frame.Length) > _maxQueuedBytes)
        {
            Interlocked.Add(ref _queuedBytes, -frame.Length);
            return false;
        }
        return _sendQueue.Writer.TryWrite(frame);
    }

    /// <summary>
    /// Closes the connection. With <paramref name="flush"/>, what is queued is still written (bounded by
    /// <paramref name="flushTimeout"/>); without, the socket is cut at once.
    /// </summary>
    public void Close(bool flush, TimeSpan flushTimeout)
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0) return;
        _sendQueue.Writer.TryComplete();
        if (flush) _abort.CancelAfter(flushTimeout);
        else _abort.Cancel();
    }

    private async Task ReadLoopAsync(uint magic, Func<HostInput, ValueTask> post)
    {
        string reason = "connection closed by peer";
        bool first = _refuseTlsHello;
        try
        {
            while (true)
            {
                var result = await _reader.ReadAsync(_abort.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                if (first && !buffer.IsEmpty)
                {
                    first = false;
                    if (buffer.FirstSpan[0] == TlsNegotiator.HandshakeRecordType)
                    {
                        reason = "peer offered TLS; this node runs --tls off";
                        _reader.AdvanceTo(buffer.Start, buffer.End);
                        return;
                    }
                }
                string? error = null;
                try
                {
                    while (error is null)
                    {
                        var frame = FrameReader.TryRead(ref buffer, magic);
                        if (frame.Status == ReadStatus.NeedMoreData) break;
                        HostInput input = frame.Status switch
                        {
                            ReadStatus.Message => new PeerMessageReceived(this, frame.Message!, frame.WireSize),
                            ReadStatus.UnknownCommand => new PeerUnknownCommand(this, frame.Command!, frame.WireSize),
                            _ => new PeerProtocolError(this, error = frame.Error ?? "framing error"),
                        };
                        await post(input).ConfigureAwait(false);
                    }
                }
                finally
                {
                    // The one place the pipe advances: consumed up to the last whole frame, examined everything.
                    _reader.AdvanceTo(buffer.Start, buffer.End);
                }
                if (error is not null)
                {
                    // The engine closes the peer on the protocol error; stop reading its bytes meanwhile.
                    reason = $"protocol error: {error}";
                    return;
                }
                if (result.IsCompleted) return;
                if (result.IsCanceled) { reason = "closed"; return; }
            }
        }
        catch (OperationCanceledException) { reason = _sendFailure ?? "closed"; }
        catch (ChannelClosedException) { reason = "host stopped"; }
        catch (Exception e)
        {
            // Socket errors, and anything unexpected: this connection ends, the node goes on.
            reason = $"receive failed: {(e.InnerException ?? e).Message}";
        }
        finally
        {
            await _reader.CompleteAsync().ConfigureAwait(false);
            await PostClosedAsync(post, reason).ConfigureAwait(false);
        }
    }

    private async Task WriteLoopAsync(Func<HostInput, ValueTask> post)
    {
        string? failure = null;
        try
        {
            var queue = _sendQueue.Reader;
            while (await queue.WaitToReadAsync(_abort.Token).ConfigureAwait(false))
            {
                long batch = 0;
                while (queue.TryRead(out var frame))
                {
                    _writer.Write(frame);
                    batch += frame.Length;
                }
                var flushed = await _writer.FlushAsync(_abort.Token).ConfigureAwait(false);
                Interlocked.Add(ref _queuedBytes, -batch);
                if (flushed.IsCompleted || flushed.IsCanceled) break;
            }
        }
        catch (OperationCanceledException) { }
        catch (Exception e)
        {
            failure = $"send failed: {(e.InnerException ?? e).Message}";
            _sendFailure = failure;
        }
        finally
        {
            try { await _writer.CompleteAsync().ConfigureAwait(false); }
            catch (Exception) { } // the socket is going away; a failed final flush changes nothing
            // Closing the socket also ends the read loop, whichever side started the close.
            try { _socket.Shutdown(SocketShutdown.Both); }
            catch (Exception) { }
            _abort.Cancel();
            _stream.Dispose();
        }
        if (failure is not null) await PostClosedAsync(post, failure).ConfigureAwait(false);
    }

    private static async ValueTask PostClosedAsync(Func<HostInput, ValueTask> post, HostInput input)
    {
        try { await post(input).ConfigureAwait(false); }
        catch (ChannelClosedException) { } // the host has stopped; nobody is left to tell
    }

    private ValueTask PostClosedAsync(Func<HostInput, ValueTask> post, string reason) =>
        PostClosedAsync(post, new PeerTransportClosed(this, reason));
}

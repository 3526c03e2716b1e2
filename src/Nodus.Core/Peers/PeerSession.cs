using System.Net;
using Nodus.Wire.Messages;
using Nodus.Wire.Types;

namespace Nodus.Core.Peers;

/// <summary>
/// The per-connection protocol: the version/verack handshake and the ping/pong keep-alive. Outbound peers speak
/// first; an inbound peer answers a version with its own version and a verack. Deadlines come from the time the
/// engine passes in; nothing here reads a clock.
/// </summary>
public sealed class PeerSession
{
    /// <summary>The handshake must complete within 60 s of connecting (Bitcoin Core's -peertimeout default).</summary>
    public const long HandshakeTimeoutDefault = 60 * Time.Second;

    /// <summary>Bitcoin Core's PING_INTERVAL: 2 minutes between pings.</summary>
    public const long PingIntervalDefault = 2 * Time.Minute;

    /// <summary>Bitcoin Core's TIMEOUT_INTERVAL: a ping unanswered for 20 minutes drops the peer.</summary>
    public const long PingTimeoutDefault = 20 * Time.Minute;

    /// <summary>The version's sender address: unspecified, as Bitcoin Core sends it (only read, never changed).</summary>
    private static readonly IPEndPoint Unspecified = new(IPAddress.IPv6Any, 0);

    /// <summary>A verack has no payload: one object for every peer (a sent message is never changed), which the
    /// simulator also sizes once.</summary>
    private static readonly VerackMessage Verack = new();

    private readonly NodeContext _context;
    private readonly Func<ulong, bool> _isOwnNonce;
    // The last user agent and local address a peer reported, shared by the next peer reporting equal ones: peers
    // mostly run the same few agents and see us at one address, and a simulation holds millions of peers.
    private string _lastUserAgent = "";
    private IPEndPoint? _lastLocalAddress;

    public PeerSession(NodeContext context, Func<ulong, bool> isOwnNonce)
    {
        _context = context;
        _isOwnNonce = isOwnNonce;
    }

    /// <summary>The outbound side sends its version as soon as the connection opens.</summary>
    public void Start(Peer peer, ulong nonce, long now)
    {
        if (peer.IsInbound) return;
        SendVersion(peer, nonce, now);
    }

    /// <summary>Whether <see cref="Handle"/> may act on <paramref name="message"/>: everything before the handshake
    /// completes, then only the handshake's and keep-alive's own messages. The engine skips the session for the rest.</summary>
    public static bool Handles(Peer peer, IMessage message) =>
        peer.State != HandshakeState.Established || message is VersionMessage or VerackMessage or PingMessage or PongMessage;

    /// <summary>
    /// Handles a message during the handshake or a keep-alive message. Returns true when the message was consumed
    /// here; <paramref name="becameEstablished"/> is set when this message completed the handshake.
    /// </summary>
    public bool Handle(Peer peer, IMessage message, long now, ulong inboundNonce, out bool becameEstablished)
    {
        becameEstablished = false;
        switch (message)
        {
            case VersionMessage version:
                OnVersion(peer, version, now, inboundNonce);
                return true;
            case VerackMessage:
                if (peer.State != HandshakeState.AwaitingVerack || peer.ReceivedVerack)
                {
                    _context.Misbehaving(peer, peer.State == HandshakeState.AwaitingVersion ? "verack before version" : "duplicate verack");
                    return true;
                }
                peer.ReceivedVerack = true;
                peer.State = HandshakeState.Established;
                // Measure latency at once, as Bitcoin Core pings a new peer immediately (unless keep-alive is off).
                peer.NextPingAt = _context.Options.PingInterval == Time.Never ? Time.Never : now;
                becameEstablished = true;
                return true;
        }

        if (peer.State == HandshakeState.AwaitingVersion)
        {
            _context.Misbehaving(peer, $"{message.Command} before version");
            return true;
        }
        if (peer.State != HandshakeState.Established)
        {
            // Bitcoin Core ignores other messages between version and verack; so do we.
            _context.Log(LogSeverity.Debug, $"peer {peer.Id}: ignoring {message.Command} before verack");
            return true;
        }

        switch (message)
        {
            case PingMessage ping:
                _context.Send(peer, new PongMessage(ping.Nonce));
                return true;
            case PongMessage pong:
                OnPong(peer, pong, now);
                return true;
            default:
                return false;
        }
    }

    private void OnVersion(Peer peer, VersionMessage version, long now, ulong inboundNonce)
    {
        if (peer.State != HandshakeState.AwaitingVersion)
        {
            _context.Misbehaving(peer, "duplicate version");
            return;
        }
        if (peer.IsInbound && version.Nonce != 0 && _isOwnNonce(version.Nonce))
        {
            _context.Close(peer, new DisconnectReason(DisconnectCode.SelfConnection, "connected to self"));
            return;
        }
        if (version.Version < NodeOptions.MinPeerProtocolVersion)
        {
            _context.Close(peer, new DisconnectReason(DisconnectCode.ObsoleteVersion, $"protocol version {version.Version}"));
            return;
        }

        peer.Version = version.Version;
        peer.Services = version.Services;
        peer.UserAgent = SharedUserAgent(version.UserAgent);
        peer.StartHeight = version.StartHeight;
        peer.RelayTransactions = version.Relay;
        peer.TimeOffsetSeconds = version.Timestamp - Time.ToUnixSeconds(now);
        if (version.Receiver.Address is not null && !version.Receiver.Address.Equals(IPAddress.IPv6Any))
        {
            peer.LocalAddressSeenByPeer = version.Receiver.IsEndPoint(_lastLocalAddress) ? _lastLocalAddress : _lastLocalAddress = version.Receiver.EndPoint;
        }

        if (peer.IsInbound) SendVersion(peer, inboundNonce, now);
        _context.Send(peer, Verack);
        peer.State = HandshakeState.AwaitingVerack;
    }

    private void SendVersion(Peer peer, ulong nonce, long now)
    {
        var options = _context.Options;
        _context.Send(peer, new VersionMessage
        {
            Version = options.ProtocolVersion,
            Services = options.Services,
            Timestamp = Time.ToUnixSeconds(now),
            Receiver = new NetAddress(peer.Remote, 0),
            Sender = new NetAddress(Unspecified, options.Services),
            Nonce = nonce,
            UserAgent = options.UserAgent,
            StartHeight = _context.BestHeight(),
            Relay = options.RelayTransactions,
        });
        peer.SentVersion = true;
    }

    private void OnPong(Peer peer, PongMessage pong, long now)
    {
        // A pong that does not match our outstanding nonce is ignored, as in Bitcoin Core (it may be late).
        if (peer.PingNonce != pong.Nonce) return;
        long rtt = now - peer.PingSentAt;
        peer.LastPingTime = rtt;
        peer.MinPingTime = peer.MinPingTime is { } min ? Math.Min(min, rtt) : rtt;
        peer.PingNonce = null;
    }

    /// <summary>Sends due pings and enforces the handshake and ping deadlines.</summary>
    public void OnTimer(Peer peer, long now)
    {
        if (peer.State == HandshakeState.Closing) return;
        if (!peer.IsEstablished)
        {
            if (now >= peer.ConnectedAt + _context.Options.HandshakeTimeout)
                _context.Close(peer, new DisconnectReason(DisconnectCode.HandshakeTimeout,
                    $"no version/verack within {Time.ToSeconds(_context.Options.HandshakeTimeout)} s"));
            return;
        }
        if (peer.PingNonce is not null)
        {
            if (now >= peer.PingSentAt + _context.Options.PingTimeout)
                _context.Close(peer, new DisconnectReason(DisconnectCode.PingTimeout,
                    $"no pong within {Time.ToSeconds(_context.Options.PingTimeout)} s"));
            return;
        }
        if (now >= peer.NextPingAt)
        {
            ulong nonce = NextNonZero(_context.Random);
            peer.PingNonce = nonce;
            peer.PingSentAt = now;
            peer.NextPingAt = now + _context.Options.PingInterval;
            _context.Send(peer, new PingMessage(nonce));
        }
    }

    /// <summary>When this peer next needs <see cref="OnTimer"/>: the handshake timeout, the ping timeout while a
    /// ping is unanswered, else the next ping.</summary>
    public static long NextDeadline(Peer peer, NodeOptions options) => peer.State switch
    {
        HandshakeState.Closing => Time.Never,
        HandshakeState.Established => peer.PingNonce is not null ? peer.PingSentAt + options.PingTimeout : peer.NextPingAt,
        _ => peer.ConnectedAt + options.HandshakeTimeout,
    };

    public static ulong NextNonZero(Random random)
    {
        ulong v;
        do v = (ulong)random.NextInt64() ^ ((ulong)random.Next() << 40); while (v == 0);
        return v;
    }

    private string SharedUserAgent(string agent)
    {
        var clean = SanitizeUserAgent(agent);
        return clean == _lastUserAgent ? _lastUserAgent : _lastUserAgent = clean;
    }

    /// <summary>Keeps only printable characters so a user agent cannot forge log lines or RPC output.</summary>
    private static string SanitizeUserAgent(string agent)
    {
        foreach (char c in agent) // a loop, not LINQ's All: every version message passes here
            if (!IsPrintable(c)) return new(agent.Where(IsPrintable).ToArray());
        return agent;
    }

    private static bool IsPrintable(char c) => c >= ' ' && c != '\u007f';
}

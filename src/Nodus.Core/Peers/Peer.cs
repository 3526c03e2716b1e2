using System.Net;

namespace Nodus.Core.Peers;

public enum HandshakeState
{
    /// <summary>Connected; nothing exchanged yet (outbound: our version is sent on connect).</summary>
    AwaitingVersion,
    /// <summary>Their version received; waiting for their verack.</summary>
    AwaitingVerack,
    /// <summary>Both versions acknowledged: the peer is ready for every other message.</summary>
    Established,
    /// <summary>We asked the runtime to close it; further input is ignored.</summary>
    Closing,
}

/// <summary>
/// One connection's state: who the peer is (from its version), where the handshake and keep-alive stand, and its
/// traffic. Node-wide components read it; only the engine and <see cref="PeerSession"/> change the handshake state.
/// </summary>
public sealed class Peer
{
    public Peer(PeerId id, IPEndPoint remote, ConnectionType type, long connectedAt, bool trafficPerCommand = true)
    {
        if (trafficPerCommand) PerCommand = new CommandTraffic();
        Id = id;
        Remote = remote;
        ConnectionType = type;
        ConnectedAt = connectedAt;
    }

    public PeerId Id { get; }
    public IPEndPoint Remote { get; }
    public ConnectionType ConnectionType { get; internal set; }
    public bool IsInbound => ConnectionType == ConnectionType.Inbound;
    public long ConnectedAt { get; }

    public HandshakeState State { get; internal set; } = HandshakeState.AwaitingVersion;
    public bool IsEstablished => State == HandshakeState.Established;
    public bool SentVersion { get; internal set; }
    public bool ReceivedVerack { get; internal set; }
    public DisconnectReason? CloseReason { get; internal set; }

    // From the peer's version message.
    public int Version { get; internal set; }
    public ulong Services { get; internal set; }
    public string UserAgent { get; internal set; } = "";
    public int StartHeight { get; internal set; }
    /// <summary>BIP 37 relay flag: false means the peer wants no transaction announcements.</summary>
    public bool RelayTransactions { get; internal set; } = true;
    public long TimeOffsetSeconds { get; internal set; }
    public IPEndPoint? LocalAddressSeenByPeer { get; internal set; }

    /// <summary>BIP 130: announce new blocks to this peer with headers instead of inv.</summary>
    public bool PrefersHeaders { get; set; }

    // Keep-alive (BIP 31 ping/pong). Stored without Nullable's flag words (0 is never a nonce we send, and long.MinValue never
    // a round trip): a simulation holds millions of peers.
    private ulong _pingNonce;
    private long _lastPingTime = long.MinValue, _minPingTime = long.MinValue;

    public ulong? PingNonce { get => _pingNonce == 0 ? null : _pingNonce; internal set => _pingNonce = value ?? 0; }
    public long PingSentAt { get; internal set; }
    public long NextPingAt { get; internal set; }
    public long? LastPingTime { get => _lastPingTime == long.MinValue ? null : _lastPingTime; internal set => _lastPingTime = value ?? long.MinValue; }
    public long? MinPingTime { get => _minPingTime == long.MinValue ? null : _minPingTime; internal set => _minPingTime = value ?? long.MinValue; }

    /// <summary>The nonce of the version we sent (0 once the handshake completed): an inbound version carrying one
    /// of these is a connection to ourselves.</summary>
    internal ulong VersionNonce;

    /// <summary>Block sync's state for this peer while it is ready in sync (null otherwise), beside the fields every
    /// message reads: sync handles nearly every message, and a lookup in a table of its own was three more cold cache
    /// lines per message in a 10,000-node simulation.</summary>
    internal Sync.PeerSyncState? SyncState;

    /// <summary>Where the engine's <see cref="SessionDeadlines"/> holds this peer's deadline (-1: not held).</summary>
    internal int SessionSlot = -1;

    /// <summary>getpeerinfo's traffic fields: a view over the totals below and the per-command table.</summary>
    public TrafficCounters Traffic => new(this);

    // Traffic totals, here rather than in a separate object: every delivered or sent message updates them.
    internal long BytesSent, BytesReceived, LastSend, LastReceive, MessagesSent, MessagesReceived;
    /// <summary>Bytes per command, or null when <see cref="NodeOptions.TrafficPerCommand"/> is off.</summary>
    internal CommandTraffic? PerCommand;

    /// <summary>
    /// When the peer last sent us a transaction / block we did not have (getpeerinfo last_transaction, last_block).
    /// Relay and sync set them; inbound eviction protects peers that are useful this way.
    /// </summary>
    public long LastTransactionTime { get; set; }
    public long LastBlockTime { get; set; }
}

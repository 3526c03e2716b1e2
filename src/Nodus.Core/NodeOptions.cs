namespace Nodus.Core;

/// <summary>What a node says about itself in its version message, and its connection limits.</summary>
public sealed record NodeOptions
{
    /// <summary>Bitcoin Core's PROTOCOL_VERSION since 0.21 (BIP 339 wtxid relay era); the issue asks for 70016.</summary>
    public const int CurrentProtocolVersion = 70016;

    /// <summary>Bitcoin Core's MIN_PEER_PROTO_VERSION: older peers are disconnected after their version.</summary>
    public const int MinPeerProtocolVersion = 31800;

    /// <summary>NODE_NETWORK: serves the full chain (BIP 159 numbering).</summary>
    public const ulong NodeNetwork = 1;
    /// <summary>NODE_WITNESS (BIP 144): serves blocks and transactions with witness data.</summary>
    public const ulong NodeWitness = 1 << 3;
    /// <summary>
    /// NODE_NODUS_TLS: accepts TLS on its P2P port (nodus node --tls on|require). Bit 24 lies in Bitcoin Core's
    /// range for temporary experiments (protocol.h: "Bits 24-31 are reserved for temporary experiments"), so no
    /// assigned BIP service bit is claimed and Bitcoin peers ignore it.
    /// </summary>
    public const ulong NodeNodusTls = 1UL << 24;

    public int ProtocolVersion { get; init; } = CurrentProtocolVersion;
    public ulong Services { get; init; } = NodeNetwork | NodeWitness;
    public string UserAgent { get; init; } = "/Nodus:0.1.0/";
    /// <summary>BIP 37 relay flag sent in our version: false asks peers not to announce transactions.</summary>
    public bool RelayTransactions { get; init; } = true;

    /// <summary>Connect only to these addresses (manual connections), as Bitcoin Core's -connect.</summary>
    public IReadOnlyList<System.Net.IPEndPoint> Connect { get; init; } = [];
    /// <summary>Keep connections to these addresses in addition to the automatic ones, as -addnode.</summary>
    public IReadOnlyList<System.Net.IPEndPoint> AddNodes { get; init; } = [];

    /// <summary>
    /// Count bytes per message type on each connection (getpeerinfo's bytessent_per_msg / bytesrecv_per_msg). The
    /// simulator turns it off: it counts traffic per node and command itself, and a table per connection is a large
    /// share of a million-node run's memory. Totals, message counts and last send/receive times are always kept.
    /// </summary>
    public bool TrafficPerCommand { get; init; } = true;

    /// <summary>Time allowed for version/verack after connecting; tests and simulations may shorten it.</summary>
    public long HandshakeTimeout { get; init; } = Peers.PeerSession.HandshakeTimeoutDefault;
    /// <summary>
    /// Time between keep-alive pings; <see cref="Time.Never"/> sends none (a simulation comparing with models that
    /// have no keep-alive traffic). Without pings a silent peer is only noticed when its connection breaks.
    /// </summary>
    public long PingInterval { get; init; } = Peers.PeerSession.PingIntervalDefault;
    /// <summary>Time a ping may stay unanswered before the peer is dropped.</summary>
    public long PingTimeout { get; init; } = Peers.PeerSession.PingTimeoutDefault;
}

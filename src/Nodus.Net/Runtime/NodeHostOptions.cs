using System.Net;
using Nodus.Core;
using Nodus.Wire.Framing;

namespace Nodus.Net.Runtime;

/// <summary>How a <see cref="NodeHost"/> binds its <see cref="Node"/> to the machine: network magic, sockets, limits.</summary>
public sealed record NodeHostOptions
{
    /// <summary>
    /// Bytes a peer may have queued for sending before it is dropped with SendQueueFull. Bitcoin Core's
    /// -maxsendbuffer is 1,000 KB but it then pauses reading from the peer instead of dropping it; we drop, so we
    /// allow two maximum-size messages (2 × (24 + 4,000,000) bytes) so one block in flight never trips it.
    /// </summary>
    public const long DefaultMaxSendQueueBytes = 2L * (MessageHeader.Size + MessageHeader.MaxPayloadLength);

    /// <summary>Bitcoin Core's DEFAULT_MAX_PEER_CONNECTIONS: 125 sockets in all; further inbound ones are refused.</summary>
    public const int DefaultMaxConnections = 125;

    /// <summary>Bitcoin Core's DEFAULT_CONNECT_TIMEOUT (5,000 ms) for an outbound TCP connect.</summary>
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How long a closing connection may take to flush what is queued before its socket is cut.</summary>
    public static readonly TimeSpan DefaultCloseFlushTimeout = TimeSpan.FromSeconds(2);

    /// <summary>How long one DNS seed lookup may take before it counts as failed.</summary>
    public static readonly TimeSpan DefaultDnsTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Seed host names resolved per request; networks list a handful (Bitcoin has 9).</summary>
    public const int MaxSeedHostsPerRequest = 32;

    /// <summary>Addresses taken from one seed's answer: the core's own bound.</summary>
    public const int MaxAddressesPerSeed = Nodus.Core.Discovery.ConnectionManager.MaxAddressesPerSeed;

    /// <summary>The 4-byte start string of every frame (NetworkParams.Magic).</summary>
    public required uint Magic { get; init; }

    /// <summary>Where to accept inbound connections; null accepts none. Port 0 picks a free port.</summary>
    public IPEndPoint? Listen { get; init; }

    public NodeOptions Node { get; init; } = new();

    /// <summary>Seed of the node's <see cref="Random"/>; null draws one from the OS's secure generator.</summary>
    public int? RandomSeed { get; init; }

    /// <summary>
    /// Composition hook: builds the engine from the host's seeded <see cref="Random"/>, e.g.
    /// <c>random => FullNode.Create(network, store, options, random).Engine</c>. Default: a bare
    /// <see cref="Core.Node"/> with <see cref="Node"/> options.
    /// </summary>
    public Func<Random, Node>? CreateNode { get; init; }

    /// <summary>Source address of outbound connections (port chosen by the OS), so that peers see this node's own
    /// address — several nodes on 127.0.0.x in one process (devnet). Null: the OS picks.</summary>
    public IPAddress? DialFrom { get; init; }

    /// <summary>Composition hook: adds behaviours to the engine before it starts.</summary>
    public Action<Node>? Configure { get; init; }

    /// <summary>Runs on the event loop at start instead of <c>Node.Start</c> (e.g. <c>FullNode.Start</c>, which also starts timed mining).</summary>
    public Action<Node, long>? OnStart { get; init; }

    /// <summary>TLS between nodes; default off (the bytes on the wire are exactly Bitcoin's).</summary>
    public TlsOptions Tls { get; init; } = TlsOptions.Off;

    public long MaxSendQueueBytes { get; init; } = DefaultMaxSendQueueBytes;
    public int MaxConnections { get; init; } = DefaultMaxConnections;
    public TimeSpan ConnectTimeout { get; init; } = DefaultConnectTimeout;
    public TimeSpan CloseFlushTimeout { get; init; } = DefaultCloseFlushTimeout;
    public TimeSpan DnsTimeout { get; init; } = DefaultDnsTimeout;

    /// <summary>The clock in microseconds since the Unix epoch; replaceable only so tests can observe it.</summary>
    public Func<long> Clock { get; init; } = SystemClock.Now;

    /// <summary>Resolves a DNS seed to its A and AAAA records (tests substitute a local table; never a public resolver).</summary>
    public Func<string, CancellationToken, Task<IPAddress[]>> ResolveHost { get; init; } = SystemResolver;

    /// <summary>The machine's resolver (getaddrinfo).</summary>
    public static readonly Func<string, CancellationToken, Task<IPAddress[]>> SystemResolver = Dns.GetHostAddressesAsync;
}

using System.Net;

namespace Nodus.Core.Discovery;

/// <summary>Connection policy and discovery settings of one node. Defaults are Bitcoin Core's (DESIGN.md, limits).</summary>
public sealed record DiscoveryOptions
{
    /// <summary>Bitcoin Core's MAX_OUTBOUND_FULL_RELAY_CONNECTIONS.</summary>
    public const int DefaultMaxOutboundFullRelay = 8;
    /// <summary>Bitcoin Core's MAX_BLOCK_RELAY_ONLY_CONNECTIONS.</summary>
    public const int DefaultMaxBlockRelayOnly = 2;
    /// <summary>Bitcoin Core's MAX_FEELER_CONNECTIONS.</summary>
    public const int MaxFeelers = 1;
    /// <summary>Bitcoin Core's DEFAULT_MAX_PEER_CONNECTIONS: 125 connections in all (outbound slots included).</summary>
    public const int DefaultMaxConnections = 125;

    public AddressManagerOptions AddressManager { get; init; } = AddressManagerOptions.Default;

    /// <summary>Loopback and private addresses routable, each IPv4 address its own group (regtest, --allow-local-addresses).</summary>
    public bool AllowLocalAddresses { get; init; }

    public int MaxOutboundFullRelay { get; init; } = DefaultMaxOutboundFullRelay;
    public int MaxBlockRelayOnly { get; init; } = DefaultMaxBlockRelayOnly;
    public int MaxConnections { get; init; } = DefaultMaxConnections;

    /// <summary>False with --connect: only manual connections, as Bitcoin Core's -connect.</summary>
    public bool AutomaticOutbound { get; init; } = true;

    /// <summary>The network's default port: addresses on other ports are dialled only when nothing else is left.</summary>
    public ushort DefaultPort { get; init; } = 8333;

    /// <summary>DNS seed host names (from the network parameters or --seed); off with --no-seeds.</summary>
    public IReadOnlyList<string> DnsSeeds { get; init; } = [];
    /// <summary>Hard-coded seed addresses, used when DNS fails or gives nothing.</summary>
    public IReadOnlyList<IPEndPoint> FixedSeeds { get; init; } = [];
    public bool UseSeeds { get; init; } = true;

    /// <summary>Whether we accept inbound connections (and so advertise our address).</summary>
    public bool Listening { get; init; } = true;
    /// <summary>Our address as configured (--listen / --externalip); else the address peers report seeing.</summary>
    public IPEndPoint? ListenAddress { get; init; }

    /// <summary>
    /// The defaults for a network: its port, DNS seeds and hard-coded seeds; on regtest networks local addresses
    /// count as routable (so nodes on 127.0.0.x find each other as if spread over the Internet).
    /// </summary>
    public static DiscoveryOptions ForNetwork(Chain.NetworkParams network) => new()
    {
        DefaultPort = (ushort)network.DefaultPort,
        DnsSeeds = network.DnsSeeds,
        FixedSeeds = network.FixedSeeds.Select(s => IPEndPoint.TryParse(s, out var ep) ? ep : null).OfType<IPEndPoint>().ToList(),
        AllowLocalAddresses = network.Name.Contains("regtest", StringComparison.OrdinalIgnoreCase),
    };

    /// <summary>Inbound slots: all connections minus the automatic outbound ones (Bitcoin Core's m_max_inbound).</summary>
    public int MaxInbound => Math.Max(0, MaxConnections - MaxOutboundFullRelay - MaxBlockRelayOnly - MaxFeelers);
}

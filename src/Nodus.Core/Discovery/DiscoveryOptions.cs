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
    /// <summary>
    /// Nodes to connect to only to ask for addresses, then leave (Bitcoin Core's -seednode, an addr-fetch connection):
    /// the way into a network that has no DNS seeds, such as a devnet grown from one bootnode.
    /// </summary>
    public IReadOnlyList<IPEndPoint> SeedNodes { get; init; } = [];

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

    /// <summary>
    /// Mean time between feeler connections: Bitcoin Core's 2 minutes (<see cref="ConnectionManager.FeelerInterval"/>).
    /// A node that crawls (<see cref="Crawl"/>) tests addresses far faster (<see cref="CrawlFeelerInterval"/>).
    /// </summary>
    public long FeelerInterval => Crawl ? CrawlFeelerInterval : ConnectionManager.FeelerInterval;

    /// <summary>
    /// The node crawls the network, as a DNS seeder's crawler does (sipa's bitcoin-seeder), so that the seed it serves
    /// hands out addresses that are up now: up to <see cref="CrawlFeelers"/> feeler connections at once, a new one
    /// about every <see cref="CrawlFeelerInterval"/> whether or not the outbound slots are full, and every other one
    /// re-tests the tried address tested longest ago once that test is <see cref="CrawlRetestAge"/> old (Core's
    /// feelers test only new addresses, so a node that went away stays in tried for weeks). See <see cref="SeedSelection"/>.
    /// </summary>
    public bool Crawl { get; init; }
    /// <summary>One test a second on average, 3,600 an hour, where Core's feelers make 30 (bitcoin-seeder runs 96
    /// threads; a node also keeps its own peers, so it crawls more gently).</summary>
    public static readonly long CrawlFeelerInterval = 1 * Time.Second;
    /// <summary>Feeler connections a crawling node keeps at once: a dial to an address that is gone can take the connect
    /// timeout, and the tests behind it should not wait.</summary>
    public const int CrawlFeelers = 8;
    /// <summary>A tried address is tested again once its last test is this old: the seed's answers follow churn within
    /// about this long.</summary>
    public static readonly long CrawlRetestAge = 15 * Time.Minute;

    /// <summary>Feeler connections open at once at most: Core's one, or <see cref="CrawlFeelers"/> when crawling.</summary>
    public int MaxFeelerConnections => Crawl ? CrawlFeelers : MaxFeelers;

    /// <summary>These options for a node that serves a DNS seed: it crawls (<see cref="Crawl"/>).</summary>
    public DiscoveryOptions AsCrawler() => this with { Crawl = true };

    /// <summary>Experiment setting: a feeler connection about every 2 minutes tests new-table addresses and tried
    /// collisions (Bitcoin Core; Heilman et al. 2015, countermeasure 4). Never false in a real node.</summary>
    public bool Feelers { get; init; } = true;

    /// <summary>Experiment setting: the block-relay-only peers at shutdown are dialled first at the next start
    /// (Bitcoin Core's anchors.dat; Heilman et al. countermeasure 5). Never false in a real node.</summary>
    public bool Anchors { get; init; } = true;

    /// <summary>Experiment setting: addr entries from a peer are processed at 0.1 per second (token bucket, Bitcoin
    /// Core 22). False processes every entry. Never false in a real node.</summary>
    public bool AddrRateLimit { get; init; } = true;

    /// <summary>Experiment setting: true puts the address of every inbound peer straight into the tried table, as
    /// early bitcoind did — the way Heilman et al.'s attacker filled the victim's tried table by connecting to it.
    /// Bitcoin Core moves only addresses it connected to itself to tried. Never true in a real node.</summary>
    public bool InboundToTried { get; init; }

    /// <summary>
    /// These options with the eclipse-attack countermeasures switched off — group bucketing, test-before-evict,
    /// feelers, anchors and the addr rate limit, and inbound peers go to tried as in early bitcoind — to measure
    /// what they are worth (the simulator's eclipse preset).
    /// The table sizes stay as they are. An experiment setting, not a configuration for a real node.
    /// </summary>
    public DiscoveryOptions WithoutEclipseCountermeasures() => this with
    {
        AddressManager = AddressManager with { GroupBucketing = false, TestBeforeEvict = false },
        Feelers = false,
        Anchors = false,
        AddrRateLimit = false,
        InboundToTried = true,
    };

    /// <summary>Inbound slots: all connections minus the automatic outbound ones (Bitcoin Core's m_max_inbound).</summary>
    public int MaxInbound => Math.Max(0, MaxConnections - MaxOutboundFullRelay - MaxBlockRelayOnly - MaxFeelerConnections);
}

using System.Text.Json;
using System.Text.Json.Serialization;

namespace Nodus.Sim.Scenarios;

/// <summary>
/// A simulation, as the JSON file given to <c>nodus sim --scenario</c> describes it (docs/simulator.md). Every field
/// has a default; <see cref="Cases"/> runs variants of the same network side by side.
/// </summary>
public sealed class Scenario
{
    /// <summary>Bounds a scenario file's demands before anything is allocated.</summary>
    public const int MaxCases = 64;

    public string Name { get; set; } = "custom";
    public string Description { get; set; } = "";
    public long Seed { get; set; } = 1;
    public int Nodes { get; set; } = 1000;
    /// <summary>Virtual seconds to run each case.</summary>
    public double DurationSeconds { get; set; } = 60;
    /// <summary>Nodes start at uniform random times in [0, this) so that their timers are not in lockstep.</summary>
    public double StartSpreadSeconds { get; set; } = 1;
    /// <summary>
    /// Bitcoin Core's keep-alive (a ping every 2 minutes on every connection, with a 20-minute timeout). False sends
    /// no pings at all, as simulators that model only block or transaction traffic (SimBlock) do: for like-for-like
    /// speed figures, not for studying the real protocol.
    /// </summary>
    public bool KeepAlive { get; set; } = true;
    /// <summary>
    /// Block relay near the tip by BIP 152 compact blocks, as Bitcoin Core does since 0.13 (the default); false relays
    /// every block whole after its headers announcement. <see cref="CaseSpec.CompactBlocks"/> overrides it per case.
    /// </summary>
    public bool CompactBlocks { get; set; } = true;
    public NetworkSpec Network { get; set; } = new();
    public TopologySpec Topology { get; set; } = new();
    public WorkloadSpec Workload { get; set; } = new();
    public List<PartitionSpec> Partitions { get; set; } = [];
    /// <summary>Nodes leaving and joining during the run (needs <c>topology.kind: discovery</c>).</summary>
    public ChurnSpec? Churn { get; set; }
    public List<CaseSpec> Cases { get; set; } = [];
    /// <summary>Byzantine nodes of every case that does not set its own (<see cref="CaseSpec.Byzantine"/>).</summary>
    public ByzantineSpec? Byzantine { get; set; }
    /// <summary>An eclipse attack in every case that does not set its own (<see cref="CaseSpec.Eclipse"/>).</summary>
    public EclipseSpec? Eclipse { get; set; }

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public static Scenario Parse(string json)
    {
        Scenario s;
        try
        {
            s = JsonSerializer.Deserialize<Scenario>(json, Json) ?? throw new InvalidDataException("empty scenario");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"scenario: {e.Message}", e);
        }
        s.Validate();
        return s;
    }

    public void Validate()
    {
        if (Nodes < 2 || Nodes > Engine.SimRuntime.MaxNodes) throw new InvalidDataException($"nodes must be 2..{Engine.SimRuntime.MaxNodes}");
        if (DurationSeconds <= 0) throw new InvalidDataException("durationSeconds must be positive");
        if (Cases.Count > MaxCases) throw new InvalidDataException($"at most {MaxCases} cases");
        Network.Validate();
        Topology.Validate();
        Workload.Validate();
        Byzantine?.Validate("byzantine");
        Eclipse?.Validate("eclipse");
        foreach (var c in Cases) c.Validate();
        if (Churn is not null)
        {
            if (Topology.Kind != "discovery") throw new InvalidDataException("churn needs topology.kind discovery (nodes must find new peers themselves)");
            Churn.Validate();
        }
        foreach (var c in EffectiveCases)
            if ((c.Eclipse ?? Eclipse) is not null && (Topology.Kind != "discovery" || c.Eavesdropper))
                throw new InvalidDataException($"case {c.Label}: eclipse needs topology.kind discovery and no eavesdropper");
    }

    /// <summary>The cases to run: the declared ones, or a single default case.</summary>
    public IReadOnlyList<CaseSpec> EffectiveCases => Cases.Count > 0 ? Cases : [new CaseSpec { Label = "default" }];
}

public sealed class NetworkSpec
{
    /// <summary>regions | synchronous | partially-synchronous | asynchronous.</summary>
    public string Model { get; set; } = "regions";
    /// <summary>Region model: "2015" or "2019".</summary>
    public string Year { get; set; } = "2019";
    /// <summary>Synchronous: the bound Δ; partially synchronous: Δ after GST.</summary>
    public double BoundMs { get; set; } = 100;
    /// <summary>Minimum latency δ (synchronous: defaults to the bound, i.e. a fixed delay).</summary>
    public double? MinLatencyMs { get; set; }
    public double GstSeconds { get; set; } = 10;
    /// <summary>Tail index of the Pareto latencies before GST (partially synchronous) or always (asynchronous).</summary>
    public double ParetoShape { get; set; } = 1.5;
    /// <summary>Uniform bandwidth of the abstract models; 0 is unlimited.</summary>
    public double UploadMbps { get; set; } = 20;
    public double DownloadMbps { get; set; } = 20;

    public void Validate()
    {
        if (Model is not ("regions" or "synchronous" or "partially-synchronous" or "asynchronous"))
            throw new InvalidDataException($"network.model '{Model}': use regions, synchronous, partially-synchronous or asynchronous");
        if (BoundMs <= 0 || MinLatencyMs < 0 || ParetoShape <= 0 || UploadMbps < 0 || DownloadMbps < 0)
            throw new InvalidDataException("network: latencies, shape and bandwidths must be positive");
    }
}

public sealed class TopologySpec
{
    /// <summary>random-regular | bitcoin | edges | discovery (grown by the nodes' own discovery protocol from bootnodes).</summary>
    public string Kind { get; set; } = "random-regular";
    public int Degree { get; set; } = 8;
    /// <summary>For "edges": a path to an edge list (optionally .gz), or "bitcoin-2015" for the embedded graph.</summary>
    public string File { get; set; } = "bitcoin-2015";
    public int MaxInbound { get; set; } = Topology.BitcoinLike.MaxInbound;
    /// <summary>For "discovery": nodes 0..bootnodes−1 start first and are every node's hard-coded seeds.</summary>
    public int Bootnodes { get; set; } = 5;
    /// <summary>For "discovery": address-table sizes, "small" (new 64×16, tried 16×16) or "core" (Bitcoin Core's 1,024×64, 256×64).</summary>
    public string AddressBook { get; set; } = "small";
    /// <summary>
    /// For "discovery": the bootnodes' connection limit (Bitcoin Core's -maxconnections; 125 by default, as every
    /// node). Seed and bootstrap nodes are often run with more; when many nodes arrive at once, 125 thrashes.
    /// </summary>
    public int BootnodeMaxConnections { get; set; } = Nodus.Core.Discovery.DiscoveryOptions.DefaultMaxConnections;
    /// <summary>
    /// For "discovery": how many of the bootnodes also serve a DNS seed (seed0.nodus.sim, …), crawling the network
    /// to hand out addresses that are up (<see cref="Nodus.Core.Discovery.DiscoveryOptions.Crawl"/>). Every other node
    /// asks them first, as Bitcoin Core asks its DNS seeds, and falls back to the bootnodes (its hard-coded seeds)
    /// when they give nothing. 0: no DNS seeds, the bootnodes alone.
    /// </summary>
    public int DnsSeeds { get; set; }
    /// <summary>For "discovery": how often the grown overlay is measured (live nodes, 8/8 outbound, components).</summary>
    public double SampleSeconds { get; set; } = 10;

    public void Validate()
    {
        if (Kind is not ("random-regular" or "bitcoin" or "edges" or "discovery"))
            throw new InvalidDataException($"topology.kind '{Kind}': use random-regular, bitcoin, edges or discovery");
        if (BootnodeMaxConnections < 12) throw new InvalidDataException("topology.bootnodeMaxConnections must be at least 12 (10 outbound + a feeler + one inbound)");
        if (Bootnodes < 1) throw new InvalidDataException("topology.bootnodes must be at least 1");
        if (DnsSeeds > 0 && Kind != "discovery")
            throw new InvalidDataException($"topology.dnsSeeds needs a network grown by discovery (topology.kind discovery, not {Kind})");
        if (DnsSeeds < 0 || DnsSeeds > Bootnodes)
            throw new InvalidDataException($"topology.dnsSeeds {DnsSeeds}: between 0 and topology.bootnodes ({Bootnodes}); the first bootnodes serve them");
        if (AddressBook is not ("small" or "core")) throw new InvalidDataException($"topology.addressBook '{AddressBook}': use small or core");
        if (SampleSeconds < 1) throw new InvalidDataException("topology.sampleSeconds must be at least 1");
        if (Degree < 1 || MaxInbound < 1) throw new InvalidDataException("topology: degree and maxInbound must be positive");
    }
}

public sealed class WorkloadSpec
{
    /// <summary>Most transactions one case may broadcast (each costs 12 bytes per node of tracking).</summary>
    public const int MaxTransactions = 100_000;

    /// <summary>handshake: connect and measure the handshakes; broadcast: also relay transactions.</summary>
    public string Kind { get; set; } = "handshake";
    /// <summary>Relay policy of every node (a case may override): flood | diffusion | dandelion.</summary>
    public string Relay { get; set; } = "diffusion";
    /// <summary>Transactions to broadcast, each from a random honest node (-1: exactly one from every honest node).</summary>
    public int Transactions { get; set; } = 1;
    /// <summary>When the first transaction is submitted (default: 5 s after the last planned dial).</summary>
    public double? FirstAtSeconds { get; set; }
    /// <summary>Spacing of the transactions (a Poisson process with this mean).</summary>
    public double IntervalSeconds { get; set; } = 1;

    /// <summary>Most blocks one case may mine (each is tracked at every node, 12 bytes per node).</summary>
    public const int MaxBlocks = 10_000;

    /// <summary>Blocks to mine; above 0 every node is a <see cref="Nodus.Core.FullNode"/> (chain, sync, mining, relay).</summary>
    public int Blocks { get; set; }
    /// <summary>Mean gap between blocks (a Poisson process: exponential gaps), Bitcoin's 600 s target spacing.</summary>
    public double BlockIntervalSeconds { get; set; } = 600;
    /// <summary>When the first block interval starts (default: with the first transaction).</summary>
    public double? FirstBlockAtSeconds { get; set; }
    /// <summary>The miners' template limit in bytes (Bitcoin Core's -blockmaxweight / 4); the consensus cap is 1 MB.</summary>
    public int BlockMaxBytes { get; set; } = Nodus.Core.Chain.ConsensusLimits.MaxBlockBaseSize;
    /// <summary>
    /// Where blocks get their transactions: "mempool" (only what the broadcast workload relayed to the miner) or
    /// "direct" (transactions arriving at <see cref="TxPerSecond"/> since the previous block go into the miner's own
    /// mempool just before it mines, up to <see cref="BlockMaxBytes"/>: real transactions in real blocks, without
    /// relaying each of them through the whole network first).
    /// </summary>
    public string BlockFill { get; set; } = "mempool";
    /// <summary>Transaction arrival rate for <c>blockFill: direct</c> (Bitcoin: about 7 per second).</summary>
    public double TxPerSecond { get; set; } = 7;
    /// <summary>
    /// For <c>blockFill: direct</c>: the share of each block's transactions that every other node already holds when
    /// the block is mined, as if transaction relay had delivered them (the newest arrivals are the ones missing).
    /// Compact blocks are rebuilt from them; the rest is fetched with getblocktxn. 1: all (Bitcoin's usual case);
    /// 0: empty mempools.
    /// </summary>
    public double KnownShare { get; set; } = 1;
    /// <summary>
    /// Virtual time each node spends validating each block it connects (0: none, the default). What the node sends
    /// after it (its headers announcements, its answers) waits for it; its high-bandwidth compact block pushes, sent
    /// before validation as in Bitcoin Core, do not. <see cref="MeasuredBlockValidationMs"/> is a measured value.
    /// </summary>
    public double BlockValidationMs { get; set; }

    /// <summary>The median time a node took to validate a normal block, measured across ≈ 190 Signet nodes from the
    /// gap between their high-bandwidth cmpctblock and their blocktxn answer (b10c, "Block propagation and validation
    /// duration during slow-to-validate blocks on Signet", April 2026).</summary>
    public const double MeasuredBlockValidationMs = 176;

    /// <summary>
    /// How much the validation time differs between nodes (hardware, load): each node's time is
    /// <see cref="BlockValidationMs"/> times a factor drawn once per node from a lognormal distribution with this σ and
    /// mean 1 (0, the default: every node the same). With σ = 1 a tenth of the nodes take 2.2 times the mean or longer.
    /// </summary>
    public double BlockValidationSpread { get; set; }
    /// <summary>Bounds <see cref="BlockValidationSpread"/>: at σ = 3 the slowest node in 10,000 takes about 700 times the mean.</summary>
    public const double MaxBlockValidationSpread = 3;

    /// <summary>The longest validation time a scenario may give: Bitcoin's 600 s target block spacing (a node that
    /// took longer to validate a block than the network takes to find the next could never keep up).</summary>
    public const double MaxBlockValidationMs = 600_000;

    /// <summary>How hash power is spread over the nodes: uniform | exponential (each node's share drawn from Exp(1)).</summary>
    public string HashPower { get; set; } = "uniform";
    /// <summary>Nodes that mine (0: every honest node); the miners are a random sample.</summary>
    public int Miners { get; set; }

    public void Validate()
    {
        if (Blocks < 0 || Blocks > MaxBlocks) throw new InvalidDataException($"workload.blocks: 0..{MaxBlocks}");
        if (BlockIntervalSeconds <= 0) throw new InvalidDataException("workload.blockIntervalSeconds must be positive");
        if (BlockMaxBytes < 1000 || BlockMaxBytes > Nodus.Core.Chain.ConsensusLimits.MaxBlockBaseSize)
            throw new InvalidDataException($"workload.blockMaxBytes: 1000..{Nodus.Core.Chain.ConsensusLimits.MaxBlockBaseSize}");
        if (BlockFill is not ("mempool" or "direct")) throw new InvalidDataException($"workload.blockFill '{BlockFill}': use mempool or direct");
        if (KnownShare is < 0 or > 1) throw new InvalidDataException("workload.knownShare must be in [0, 1]");
        if (TxPerSecond < 0) throw new InvalidDataException("workload.txPerSecond must not be negative");
        if (BlockValidationMs is < 0 or > MaxBlockValidationMs || double.IsNaN(BlockValidationMs))
            throw new InvalidDataException($"workload.blockValidationMs must be in [0, {MaxBlockValidationMs}]");
        if (BlockValidationSpread is < 0 or > MaxBlockValidationSpread || double.IsNaN(BlockValidationSpread))
            throw new InvalidDataException($"workload.blockValidationSpread must be in [0, {MaxBlockValidationSpread}]");
        if (BlockValidationSpread > 0 && BlockValidationMs == 0)
            throw new InvalidDataException("workload.blockValidationSpread needs workload.blockValidationMs (the mean it spreads)");
        if (HashPower is not ("uniform" or "exponential")) throw new InvalidDataException($"workload.hashPower '{HashPower}': use uniform or exponential");
        if (Miners < 0) throw new InvalidDataException("workload.miners must not be negative");
        if (Kind is not ("handshake" or "broadcast")) throw new InvalidDataException($"workload.kind '{Kind}': use handshake or broadcast");
        if (!Nodus.Core.Relay.RelayPolicyKinds.TryParse(Relay, out _, out var error)) throw new InvalidDataException($"workload.relay: {error}");
        if (Transactions is < -1 or 0 or > MaxTransactions) throw new InvalidDataException($"workload.transactions: 1..{MaxTransactions}, or -1 for one per honest node");
        if (IntervalSeconds < 0) throw new InvalidDataException("workload.intervalSeconds must not be negative");
    }
}

public sealed class PartitionSpec
{
    /// <summary>Region names (region model) on each side; or leave both empty and set <see cref="SplitFraction"/>.</summary>
    public List<string> RegionsA { get; set; } = [];
    public List<string> RegionsB { get; set; } = [];
    public double? SplitFraction { get; set; }
    public double FromSeconds { get; set; }
    public double UntilSeconds { get; set; } = double.MaxValue;
    /// <summary>drop | hold.</summary>
    public string Mode { get; set; } = "hold";
}

/// <summary>One variant run on the same network (same seed, same topology); unset fields keep the scenario's.</summary>
public sealed class CaseSpec
{
    public string Label { get; set; } = "default";
    /// <summary>Overrides workload.relay.</summary>
    public string? Relay { get; set; }
    /// <summary>Share of nodes removed (crashed) after the handshakes, before the broadcast.</summary>
    public double RemoveFraction { get; set; }
    /// <summary>random | degree (highest degree first).</summary>
    public string RemoveOrder { get; set; } = "random";
    /// <summary>Share of nodes that are spies (first-spy estimator).</summary>
    public double SpyFraction { get; set; }
    /// <summary>Adds an eavesdropper with one connection to every node (first-timestamp estimator).</summary>
    public bool Eavesdropper { get; set; }
    /// <summary>
    /// The eavesdropper's connection is outbound from each node (the node dials it) instead of inbound: it then gets
    /// its own Poisson timer (mean 2 s) rather than sharing the node's inbound timer (mean 5 s) with the inbound
    /// neighbours — closer to Fanti and Viswanath's model of an independent exponential delay per node.
    /// </summary>
    public bool EavesdropperOutbound { get; set; }
    /// <summary>Overrides the mode of every partition of the scenario: drop | hold.</summary>
    public string? PartitionMode { get; set; }
    /// <summary>Byzantine nodes of this case (overrides the scenario's <see cref="Scenario.Byzantine"/>).</summary>
    public ByzantineSpec? Byzantine { get; set; }
    /// <summary>Mean of each outbound peer's announcement timer (default Bitcoin Core's 2 s).</summary>
    public double? OutboundIntervalSeconds { get; set; }
    /// <summary>Mean of the inbound announcement timer (default Bitcoin Core's 5 s).</summary>
    public double? InboundIntervalSeconds { get; set; }
    /// <summary>False gives every inbound peer its own timer instead of Core's one shared timer (Fanti and
    /// Viswanath's model: an independent exponential delay on every edge).</summary>
    public bool? SharedInboundTimer { get; set; }
    /// <summary>How long a node waits before asking an inbound announcer for a transaction (default Bitcoin Core's
    /// NONPREF_PEER_TX_DELAY, 2 s; 0 as before Core 0.19, and as the anonymity papers model relay).</summary>
    public double? InboundRequestDelaySeconds { get; set; }
    /// <summary>An eclipse attack in this case (overrides the scenario's <see cref="Scenario.Eclipse"/>).</summary>
    public EclipseSpec? Eclipse { get; set; }
    /// <summary>Overrides <see cref="Scenario.CompactBlocks"/>: compare block relay with and without BIP 152.</summary>
    public bool? CompactBlocks { get; set; }

    public void Validate()
    {
        if (Relay is not null && !Nodus.Core.Relay.RelayPolicyKinds.TryParse(Relay, out _, out var error))
            throw new InvalidDataException($"case {Label}: {error}");
        if (RemoveFraction is < 0 or >= 1 || SpyFraction is < 0 or >= 1)
            throw new InvalidDataException($"case {Label}: removeFraction and spyFraction must be in [0, 1)");
        if (RemoveOrder is not ("random" or "degree")) throw new InvalidDataException($"case {Label}: removeOrder is random or degree");
        if (EavesdropperOutbound && !Eavesdropper) throw new InvalidDataException($"case {Label}: eavesdropperOutbound needs eavesdropper");
        if (PartitionMode is not (null or "drop" or "hold")) throw new InvalidDataException($"case {Label}: partitionMode is drop or hold");
        if (InboundRequestDelaySeconds is < 0) throw new InvalidDataException($"case {Label}: inboundRequestDelaySeconds must not be negative");
        if (OutboundIntervalSeconds is <= 0 || InboundIntervalSeconds is <= 0)
            throw new InvalidDataException($"case {Label}: outboundIntervalSeconds and inboundIntervalSeconds must be positive");
        Byzantine?.Validate($"case {Label}: byzantine");
        Eclipse?.Validate($"case {Label}: eclipse");
        if (Byzantine is { Fraction: > 0 } b && b.Fraction + SpyFraction >= 1)
            throw new InvalidDataException($"case {Label}: byzantine.fraction + spyFraction must stay below 1");
    }
}

/// <summary>
/// Heilman et al.'s eclipse attack (Adversaries/EclipseAttack.cs) on a discovery-grown network: attacker nodes, one
/// address each, connect to the victims and flood them with their addresses; the victims then restart.
/// </summary>
public sealed class EclipseSpec
{
    /// <summary>Most attacker nodes (each is a simulated engine).</summary>
    public const int MaxAttackerNodes = 100_000;

    /// <summary>Attacker addresses, each a listening attacker node.</summary>
    public int AttackerNodes { get; set; } = 500;
    /// <summary>Honest ordinary nodes attacked (a seeded sample; bootnodes excluded).</summary>
    public int Victims { get; set; } = 20;
    /// <summary>Inbound connections the attacker opens to each victim.</summary>
    public int ConnectionsPerVictim { get; set; } = 8;
    public double AttackAtSeconds { get; set; } = 300;
    /// <summary>When the victims restart (clean stop, book and anchors persisted, start one second later).</summary>
    public double RestartAtSeconds { get; set; } = 2100;
    /// <summary>How long after the restart the victims' outbound connections are counted.</summary>
    public double SettleSeconds { get; set; } = 300;
    /// <summary>How often each attacker node re-sends 1,000 of its addresses to each peer (Heilman et al.: 10 minutes).</summary>
    public double AddrIntervalSeconds { get; set; } = 600;
    /// <summary>False: every honest node runs without the eclipse countermeasures
    /// (<c>DiscoveryOptions.WithoutEclipseCountermeasures</c>: group bucketing, test-before-evict, feelers, anchors,
    /// addr rate limit) — an experiment setting.</summary>
    public bool Countermeasures { get; set; } = true;
    /// <summary>Heilman et al.'s attacker also takes the victims' inbound slots the moment they come back: up to a
    /// node's inbound slots (Bitcoin Core's 125 − 11 outbound = 114), one connection from each of as many attacker
    /// addresses. report.json then counts each victim's inbound peers and the victims whose every connection, in and
    /// out, is the attacker's.</summary>
    public bool FillInboundAfterRestart { get; set; }
    /// <summary>With <see cref="FillInboundAfterRestart"/>: the attacker reconnects from the addresses it lost this
    /// often (0: one burst at the restart), so that honest inbound peers keep contending with it for the slots.</summary>
    public double RefillInboundSeconds { get; set; }

    public void Validate(string where)
    {
        if (AttackerNodes is < 1 or > MaxAttackerNodes) throw new InvalidDataException($"{where}.attackerNodes: 1..{MaxAttackerNodes}");
        if (Victims < 1 || ConnectionsPerVictim < 1) throw new InvalidDataException($"{where}: victims and connectionsPerVictim must be positive");
        if (RefillInboundSeconds < 0 || (RefillInboundSeconds > 0 && (!FillInboundAfterRestart || RefillInboundSeconds < 1)))
            throw new InvalidDataException($"{where}.refillInboundSeconds: 0, or at least 1 with fillInboundAfterRestart");
        if (AttackAtSeconds < 0 || RestartAtSeconds <= AttackAtSeconds || SettleSeconds <= 0 || AddrIntervalSeconds <= 0)
            throw new InvalidDataException($"{where}: need 0 ≤ attackAtSeconds < restartAtSeconds, positive settleSeconds and addrIntervalSeconds");
    }
}

/// <summary>
/// A share of the nodes that run the real node but tamper with what they send (Adversaries/ByzantineNodes.cs):
/// drop (relay nothing), delay (hold every relayed message), stall (announce at once, hold the bodies), invalid
/// (serve consensus-invalid transactions and mutated blocks).
/// </summary>
public sealed class ByzantineSpec
{
    public double Fraction { get; set; }
    /// <summary>drop | delay | stall | invalid.</summary>
    public string Behaviour { get; set; } = "drop";
    /// <summary>How long delay and stall hold a message.</summary>
    public double DelaySeconds { get; set; } = 10;
    /// <summary>invalid: every Byzantine node serves the same invalid body (otherwise each its own).</summary>
    public bool Collude { get; set; }

    public void Validate(string where)
    {
        if (Fraction is < 0 or >= 1) throw new InvalidDataException($"{where}.fraction must be in [0, 1)");
        if (!Adversaries.ByzantineNodes.TryParse(Behaviour, out _))
            throw new InvalidDataException($"{where}.behaviour '{Behaviour}': use {Adversaries.ByzantineNodes.BehaviourNames}");
        if (DelaySeconds is < 0 or > Adversaries.ByzantineNodes.MaxDelaySeconds)
            throw new InvalidDataException($"{where}.delaySeconds: 0..{Adversaries.ByzantineNodes.MaxDelaySeconds}");
    }
}

/// <summary>
/// Departures and joins (<c>nodus sim</c> churn, docs/simulator.md). From <see cref="FromSeconds"/> every node except
/// the bootnodes alternates online sessions and offline periods. Sessions are exponential — the memoryless node model
/// of the Bitcoin churn CTMC of Mišić et al. ("Modeling of Churn Process in Bitcoin Network", ICNC 2020) — or Weibull
/// with <see cref="WeibullShape"/> &lt; 1, the heavy-tailed session lengths Stutzbach and Rejaie measured in deployed
/// P2P networks ("Understanding Churn in Peer-to-Peer Networks", IMC 2006). Offline periods are exponential.
/// </summary>
public sealed class ChurnSpec
{
    public double FromSeconds { get; set; } = 300;
    /// <summary>No departure is scheduled after this (default: the end of the run); nodes away then still return.</summary>
    public double? UntilSeconds { get; set; }
    /// <summary>exponential | weibull.</summary>
    public string Session { get; set; } = "exponential";
    public double MeanSessionSeconds { get; set; } = 600;
    public double WeibullShape { get; set; } = 0.5;
    public double MeanOfflineSeconds { get; set; } = 300;
    /// <summary>Share of departures that are crashes (no goodbye: the book is as of the last 15-minute dump); the rest shut down cleanly.</summary>
    public double CrashFraction { get; set; } = 0.5;
    /// <summary>Share of joins that are brand-new nodes knowing only the bootnodes; the rest return with their address book.</summary>
    public double FreshFraction { get; set; } = 0.3;
    /// <summary>The bootnodes leave and return too (false: they stay up, as a network's seeds usually do); then a fresh
    /// node that starts while they are all away knows no one until one is back.</summary>
    public bool IncludeBootnodes { get; set; }

    public void Validate()
    {
        if (Session is not ("exponential" or "weibull")) throw new InvalidDataException($"churn.session '{Session}': use exponential or weibull");
        if (MeanSessionSeconds <= 0 || MeanOfflineSeconds <= 0 || WeibullShape <= 0)
            throw new InvalidDataException("churn: meanSessionSeconds, meanOfflineSeconds and weibullShape must be positive");
        if (CrashFraction is < 0 or > 1 || FreshFraction is < 0 or > 1)
            throw new InvalidDataException("churn: crashFraction and freshFraction must be in [0, 1]");
        if (FromSeconds < 0 || UntilSeconds < FromSeconds) throw new InvalidDataException("churn: need 0 <= fromSeconds <= untilSeconds");
    }
}

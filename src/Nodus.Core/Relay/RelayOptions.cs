namespace Nodus.Core.Relay;

/// <summary>Settings of <see cref="TransactionRelay"/>; the defaults are the anchors' (each constant names its source).</summary>
public sealed record RelayOptions
{
    /// <summary>Bitcoin PR 13947 (BIP 156 reference): DANDELION_EMBARGO_MINIMUM = 10 s.</summary>
    public const long DefaultEmbargoMinimum = 10 * Time.Second;

    /// <summary>Bitcoin PR 13947: DANDELION_EMBARGO_AVG_ADD = 20 s, an exponential addition to the minimum, so a
    /// spy cannot tell a node's own embargo from its relays'.</summary>
    public const long DefaultEmbargoAverageExtra = 20 * Time.Second;

    /// <summary>Bitcoin Core's m_tx_inventory_known_filter size: 50,000 txids per peer. The simulator may lower it.</summary>
    public const int DefaultKnownInventoryPerPeer = 50_000;

    public RelayPolicyKind Policy { get; init; } = RelayPolicyKinds.Default;
    public long FloodDelay { get; init; } = FloodPolicy.DefaultDelay;
    public long OutboundInterval { get; init; } = DiffusionPolicy.OutboundInterval;
    public long InboundInterval { get; init; } = DiffusionPolicy.InboundInterval;
    /// <summary>Bitcoin Core's NextInvToInbounds: all inbound peers share one timer. False gives each its own (an
    /// experiment setting: Fanti and Viswanath's independent per-edge delays).</summary>
    public bool SharedInboundTimer { get; init; } = true;
    /// <summary>Bitcoin Core's NONPREF_PEER_TX_DELAY: how long an inbound announcer waits before it is asked for the
    /// transaction. Zero is the pre-2019 behaviour (Core 0.19 added the delay) and the anonymity papers' model.</summary>
    public long NonPreferredRequestDelay { get; init; } = TxRequestTracker.NonPreferredDelay;
    public long EpochLength { get; init; } = DandelionPolicy.DefaultEpochLength;
    public double StemProbability { get; init; } = DandelionPolicy.DefaultStemProbability;
    public long EmbargoMinimum { get; init; } = DefaultEmbargoMinimum;
    public long EmbargoAverageExtra { get; init; } = DefaultEmbargoAverageExtra;
    public int KnownInventoryPerPeer { get; init; } = DefaultKnownInventoryPerPeer;

    public IRelayPolicy CreatePolicy(Random random) => Policy switch
    {
        RelayPolicyKind.Flood => new FloodPolicy(random, FloodDelay),
        RelayPolicyKind.Diffusion => new DiffusionPolicy(random, OutboundInterval, InboundInterval, SharedInboundTimer),
        RelayPolicyKind.Dandelion => new DandelionPolicy(random, EpochLength, StemProbability, OutboundInterval, InboundInterval, SharedInboundTimer),
        _ => throw new InvalidOperationException($"unknown relay policy {Policy}"),
    };
}

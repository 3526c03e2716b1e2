namespace Nodus.Core.Relay;

/// <summary>
/// Diffusion, as Bitcoin Core's trickle: each outbound peer has its own Poisson timer (mean 2 s), and all inbound
/// peers share one Poisson timer (mean 5 s), so that a spy with many inbound connections learns one timing sample,
/// not many. Timers only run while announcements are queued; by memorylessness this is the same distribution.
/// With <c>sharedInboundTimer: false</c> every inbound peer gets its own timer too: Fanti and Viswanath's model
/// of diffusion (an independent exponential delay on every edge), an experiment setting, not Core's behaviour.
/// </summary>
public sealed class DiffusionPolicy(Random random, long outboundMean = DiffusionPolicy.OutboundInterval,
    long inboundMean = DiffusionPolicy.InboundInterval, bool sharedInboundTimer = true) : AnnouncementScheduler(random)
{
    /// <summary>Bitcoin Core's OUTBOUND_INVENTORY_BROADCAST_INTERVAL (2 s).</summary>
    public const long OutboundInterval = 2 * Time.Second;

    /// <summary>Bitcoin Core's INBOUND_INVENTORY_BROADCAST_INTERVAL (5 s).</summary>
    public const long InboundInterval = 5 * Time.Second;

    private long _nextInboundFlush = Time.Never;

    public long OutboundMean { get; } = outboundMean;
    public long InboundMean { get; } = inboundMean;
    public bool SharedInboundTimer { get; } = sharedInboundTimer;
    public override RelayPolicyKind Kind => RelayPolicyKind.Diffusion;

    protected override long FirstFlush(PeerQueue queue, long now)
    {
        if (!queue.Peer.IsInbound) return now + ExponentialDelay(Random, OutboundMean);
        if (!SharedInboundTimer) return now + ExponentialDelay(Random, InboundMean);
        // Core's NextInvToInbounds: join the shared timer if it is pending, otherwise draw a new one.
        if (_nextInboundFlush == Time.Never || _nextInboundFlush <= now)
            _nextInboundFlush = now + ExponentialDelay(Random, InboundMean);
        return _nextInboundFlush;
    }

    protected override void BeforeFlush(long now)
    {
        // The shared inbound timer fired: draw its next firing once, for every inbound queue left non-empty.
        if (_nextInboundFlush <= now) _nextInboundFlush = now + ExponentialDelay(Random, InboundMean);
    }

    protected override long NextFlush(PeerQueue queue, long now) =>
        !queue.Peer.IsInbound ? now + ExponentialDelay(Random, OutboundMean)
        : SharedInboundTimer ? _nextInboundFlush
        : now + ExponentialDelay(Random, InboundMean);
}

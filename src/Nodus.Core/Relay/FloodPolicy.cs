namespace Nodus.Core.Relay;

/// <summary>Flooding: every peer gets the announcement after the same constant delay (Bitcoin before 0.12).</summary>
public sealed class FloodPolicy(Random random, long delay = FloodPolicy.DefaultDelay) : AnnouncementScheduler(random)
{
    /// <summary>The fixed 200 ms delay Bitcoin used before switching to diffusion in 2015 (seeds; DESIGN.md).</summary>
    public const long DefaultDelay = 200 * Time.Millisecond;

    public long Delay { get; } = delay;
    public override RelayPolicyKind Kind => RelayPolicyKind.Flood;

    protected override long DueTime(long now) => now + Delay;
    protected override long FirstFlush(PeerQueue queue, long now) => queue.Items!.Peek().Due;
    protected override long NextFlush(PeerQueue queue, long now) => Math.Max(now, queue.Items!.Peek().Due);
}

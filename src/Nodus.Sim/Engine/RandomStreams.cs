namespace Nodus.Sim.Engine;

/// <summary>
/// The run's random streams other than the nodes' own (node i draws from <c>SeedFor(seed, i)</c>): each purpose
/// has its own negative code, so adding draws to one part of a scenario does not shift another's. One place, so two
/// parts cannot pick the same code by accident.
/// </summary>
public static class RandomStreams
{
    public const long Network = -1;
    public const long Placement = -2;
    public const long Topology = -3;
    public const long StartTimes = -4;
    public const long BroadcastTransactions = -5;
    public const long Mining = -6;
    public const long BlockTransactions = -7;
    public const long ValidationSpeeds = -8;
    public const long Byzantine = -20;
    public const long EclipseVictims = -21;
    public const long Churn = -22;
    public const long DnsSeeds = -23;
    /// <summary>What Byzantine nodes make up: poisoned addresses, spammed transaction ids.</summary>
    public const long ByzantineForgeries = -24;

    public static Random For(long seed, long stream) => new(SimRuntime.SeedFor(seed, stream));
}

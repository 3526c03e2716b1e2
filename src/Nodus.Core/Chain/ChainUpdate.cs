namespace Nodus.Core.Chain;

/// <summary>
/// How the active chain moved: blocks taken off (old tip first; their transactions go back to the mempool) and blocks
/// put on (lowest first). A plain extension has nothing disconnected.
/// </summary>
public sealed record ChainUpdate(IReadOnlyList<ChainEntry> Disconnected, IReadOnlyList<ChainEntry> Connected)
{
    public static readonly ChainUpdate None = new([], []);

    public bool IsReorganisation => Disconnected.Count > 0;
    public bool Changed => Connected.Count > 0 || Disconnected.Count > 0;

    /// <summary>The last common block of the old and the new chain.</summary>
    public ChainEntry? ForkPoint => Connected.Count > 0 ? Connected[0].Parent : null;
}

using System.Numerics;
using Nodus.Wire.Encoding;
using Nodus.Wire.Types;

namespace Nodus.Core.Chain;

/// <summary>A header as stored: the index fields are kept so that loading can verify them.</summary>
public readonly record struct StoredHeader(Hash256 Hash, BlockHeader Header, int Height, BigInteger ChainWork);

/// <summary>The active chain above <see cref="ForkHeight"/> is replaced by <see cref="Connected"/> (heights ForkHeight+1…).</summary>
public sealed record ActiveChainChange(int ForkHeight, IReadOnlyList<Hash256> Connected);

/// <summary>What one atomic write adds: new headers, at most one block body, and how the active chain moved.</summary>
public sealed class ChainBatch
{
    /// <summary>Made on first use: most batches (a headers announcement of a header we have) add none. Sized for
    /// one, the usual count (genesis, an announcement), not a list's default four: a stored header is ≈ 140 bytes,
    /// and every simulated node makes two of these lists.</summary>
    public List<StoredHeader> Headers => _headers ??= new(1);
    private List<StoredHeader>? _headers;
    public Block? Body { get; set; }
    public ActiveChainChange? ActiveChain { get; set; }

    /// <summary>Empties the batch for reuse (the store kept nothing of it: <see cref="IChainStore.Write"/> copies).</summary>
    internal void Clear()
    {
        _headers?.Clear();
        Body = null;
        ActiveChain = null;
    }

    public bool IsEmpty => (_headers is null || _headers.Count == 0) && Body is null && ActiveChain is null;
}

/// <summary>Everything a store holds, as loaded at start.</summary>
public sealed record ChainSnapshot(IReadOnlyList<StoredHeader> Headers, IReadOnlySet<Hash256> Bodies, IReadOnlyList<Hash256> ActiveChain);

/// <summary>
/// Persistence of the chain: append-only headers and block bodies, and the mapping of heights to the active chain.
/// Each <see cref="Write"/> is atomic, so a process killed at any instant finds either all of a batch or none of
/// it. Implementations: <see cref="InMemoryChainStore"/> (simulator, tests) and Nodus.Net's SqliteChainStore.
/// </summary>
public interface IChainStore : IDisposable
{
    /// <summary>All headers in the order they were appended (parents first), the hashes with bodies, the active chain.</summary>
    ChainSnapshot Load();

    /// <summary>Applies a batch atomically. Headers and bodies already present are ignored (appends are idempotent).
    /// The caller reuses the batch afterwards: keep what it holds, never the batch or its list.</summary>
    void Write(ChainBatch batch);

    /// <summary>A stored block body, or null.</summary>
    Block? ReadBlock(Hash256 hash);
}

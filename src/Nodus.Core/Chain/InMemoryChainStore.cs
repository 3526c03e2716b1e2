using Nodus.Wire.Encoding;
using Nodus.Wire.Types;

namespace Nodus.Core.Chain;

/// <summary>The chain store of the simulator and of tests: the same contract as SQLite's, kept in memory.</summary>
public sealed class InMemoryChainStore : IChainStore
{
    private readonly List<StoredHeader> _headers = [];
    private readonly HashSet<Hash256> _headerHashes = [];
    private readonly Dictionary<Hash256, Block> _bodies = [];
    private readonly List<Hash256> _active = [];

    public int HeaderCount => _headers.Count;
    public int BodyCount => _bodies.Count;

    public ChainSnapshot Load() => new(_headers.ToArray(), _bodies.Keys.ToHashSet(), _active.ToArray());

    public void Write(ChainBatch batch)
    {
        foreach (var header in batch.Headers)
            if (_headerHashes.Add(header.Hash)) _headers.Add(header);
        if (batch.Body is { } body) _bodies.TryAdd(body.GetHash(), body);
        if (batch.ActiveChain is { } change)
        {
            int keep = change.ForkHeight + 1;
            if (keep < _active.Count) _active.RemoveRange(keep, _active.Count - keep);
            if (keep != _active.Count) throw new InvalidOperationException($"active chain change at {change.ForkHeight} does not touch the stored chain of {_active.Count}");
            _active.AddRange(change.Connected);
        }
    }

    public Block? ReadBlock(Hash256 hash) => _bodies.GetValueOrDefault(hash);

    public void Dispose()
    {
    }
}

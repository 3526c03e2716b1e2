using Nodus.Wire.Encoding;
using Nodus.Wire.Types;

namespace Nodus.Core.Sync;

/// <summary>
/// Bitcoin Core's vExtraTxnForCompact: the last transactions a node received but did not keep (rejected, or waiting for
/// a parent it does not have), a second source after the mempool for rebuilding compact blocks. A miner may include
/// a transaction this node refused (a policy it does not share, a parent that arrived later), and then the block needs
/// no getblocktxn round trip for it.
/// </summary>
public sealed class CompactExtraPool
{
    /// <summary>Bitcoin Core's DEFAULT_BLOCK_RECONSTRUCTION_EXTRA_TXN (-blockreconstructionextratxn).</summary>
    public const int DefaultCapacity = 100;
    /// <summary>Core keeps only transactions whose memory use is below 100,000 bytes; here, their serialized size.</summary>
    public const int MaxTransactionSize = 100_000;

    private readonly Transaction[] _ring;
    private readonly HashSet<Hash256> _wtxids = [];
    private int _next, _count;
    private CandidateRun? _run;

    public CompactExtraPool(int capacity = DefaultCapacity) => _ring = new Transaction[Math.Max(0, capacity)];

    public int Count => _count;

    /// <summary>Keeps <paramref name="tx"/>, dropping the oldest when full; too large ones and repeats are skipped.</summary>
    public void Add(Transaction tx)
    {
        if (_ring.Length == 0 || tx.GetSerializedSize() >= MaxTransactionSize || !_wtxids.Add(tx.GetWitnessHash())) return;
        if (_count == _ring.Length) _wtxids.Remove(_ring[_next].GetWitnessHash());
        else _count++;
        _ring[_next] = tx;
        _next = (_next + 1) % _ring.Length;
        _run = null;
    }

    /// <summary>The pool as a reconstruction source, newest first; null when empty.</summary>
    public CandidateRun? Run
    {
        get
        {
            if (_count == 0) return null;
            if (_run is not null) return _run;
            var newestFirst = new Transaction[_count];
            for (int i = 0; i < _count; i++) newestFirst[i] = _ring[(_next - 1 - i + _ring.Length) % _ring.Length];
            return _run = CandidateRun.Of(newestFirst);
        }
    }
}

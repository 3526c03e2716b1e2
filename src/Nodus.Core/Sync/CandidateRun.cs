using Nodus.Wire.Encoding;
using Nodus.Wire.Types;

namespace Nodus.Core.Sync;

/// <summary>
/// Transactions a compact block may be rebuilt from (<see cref="BlockSync.CompactCandidates"/>), with each one's wtxid
/// at the same index: the short ids of a run are hashed in bulk from the array (<see cref="ShortIdKey.ShortIds"/>),
/// and a transaction object is touched only when its short id matches.
/// </summary>
public sealed class CandidateRun
{
    private CandidateRun(Transaction[] transactions, Hash256[] witnessIds)
    {
        Items = transactions;
        WitnessIds = witnessIds;
    }

    public IReadOnlyList<Transaction> Transactions => Items;
    /// <summary>The transactions as an array: a rebuild takes the matched ones by index, thousands per compact block
    /// at every node, without an interface call each.</summary>
    internal Transaction[] Items { get; }
    public Hash256[] WitnessIds { get; }
    public int Count => WitnessIds.Length;

    /// <summary>A run of <paramref name="transactions"/>, which must not change afterwards (their wtxids are taken now).</summary>
    public static CandidateRun Of(IReadOnlyList<Transaction> transactions)
    {
        var items = transactions as Transaction[] ?? [.. transactions];
        var ids = new Hash256[transactions.Count];
        for (int i = 0; i < ids.Length; i++) ids[i] = items[i].GetWitnessHash();
        return new CandidateRun(items, ids);
    }

    /// <summary>
    /// What a compact block is rebuilt from, in Bitcoin Core's order (PartiallyDownloadedBlock::InitData): the mempool,
    /// then the transactions received and refused (<see cref="CompactExtraPool"/>), then <paramref name="rest"/> (the
    /// simulator's runs of relayed transactions; empty in a real node). <paramref name="rest"/> itself when the first
    /// two are empty, so the usual call allocates nothing.
    /// </summary>
    public static IReadOnlyList<CandidateRun> Sources(Mempool.TxMempool mempool, CompactExtraPool extra, IReadOnlyList<CandidateRun> rest)
    {
        var refused = extra.Run;
        if (mempool.Count == 0 && refused is null) return rest;
        var sources = new List<CandidateRun>(rest.Count + 2);
        if (mempool.Count > 0) sources.Add(Of([.. mempool.Entries.Select(e => e.Transaction)]));
        if (refused is not null) sources.Add(refused);
        sources.AddRange(rest);
        return sources;
    }
}

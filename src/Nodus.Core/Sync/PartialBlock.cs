using Nodus.Wire.Encoding;
using Nodus.Wire.Types;

namespace Nodus.Core.Sync;

/// <summary>The outcome of starting or finishing a compact block reconstruction (Bitcoin Core's ReadStatus).</summary>
public enum ReconstructionStatus
{
    Ok,
    /// <summary>The compact block or blocktxn breaks BIP 152 (bad indexes, wrong count): the sender misbehaved.</summary>
    Invalid,
    /// <summary>Short ids collide, or the filled block does not match its merkle root: fetch the full block instead.</summary>
    Failed,
}

/// <summary>
/// A block being rebuilt from a cmpctblock (BIP 152; Bitcoin Core's PartiallyDownloadedBlock): prefilled transactions
/// go to their slots, mempool transactions whose wtxid short id matches fill the others, and what is left is asked
/// for with getblocktxn. A short id matched by two different mempool transactions is left empty and requested, as
/// Core does, rather than guessed.
/// </summary>
public sealed class PartialBlock
{
    private readonly Transaction?[] _slots;

    private PartialBlock(CompactBlock compact, Transaction?[] slots, int fromMempool)
    {
        Header = compact.Header;
        Hash = compact.GetHash();
        _slots = slots;
        FromMempool = fromMempool;
    }

    public BlockHeader Header { get; }
    public Hash256 Hash { get; }
    public int TransactionCount => _slots.Length;
    /// <summary>Transactions found in the mempool (for logs and measurements).</summary>
    public int FromMempool { get; }

    /// <summary>Indexes still missing, ascending: the getblocktxn request.</summary>
    public List<int> MissingIndexes()
    {
        var missing = new List<int>();
        for (int i = 0; i < _slots.Length; i++) if (_slots[i] is null) missing.Add(i);
        return missing;
    }

    public bool IsComplete => Array.IndexOf(_slots, null) < 0;

    /// <summary>Places prefilled transactions and matches <paramref name="candidates"/> (the mempool) by short id.</summary>
    public static (ReconstructionStatus Status, PartialBlock? Block) Start(CompactBlock compact, IEnumerable<Transaction> candidates)
    {
        int count = compact.TransactionCount;
        if (count == 0 || count > CompactBlock.MaxTransactions) return (ReconstructionStatus.Invalid, null);
        var slots = new Transaction?[count];
        for (int i = 0; i < compact.Prefilled.Count; i++)
        {
            // Ascending by the wire's differential encoding; an index past the block is Core's "index beyond block".
            var (index, tx) = compact.Prefilled[i];
            if (index >= count || slots[index] is not null) return (ReconstructionStatus.Invalid, null);
            slots[index] = tx;
        }

        // Short id → slot, for the slots not prefilled, in block order.
        var bySlot = new Dictionary<ulong, int>(compact.ShortIds.Count);
        int next = 0;
        foreach (ulong shortId in compact.ShortIds)
        {
            while (slots[next] is not null) next++;
            if (!bySlot.TryAdd(shortId, next)) return (ReconstructionStatus.Failed, null); // two in the block collide
            next++;
        }

        var key = compact.Key;
        var matched = new bool[count];
        int found = 0;
        if (bySlot.Count > 0)
        {
            foreach (var tx in candidates)
            {
                if (!bySlot.TryGetValue(key.ShortId(tx.GetWitnessHash()), out int slot)) continue;
                if (!matched[slot])
                {
                    matched[slot] = true;
                    slots[slot] = tx;
                    found++;
                }
                else if (slots[slot] is { } earlier && earlier.GetWitnessHash() != tx.GetWitnessHash())
                {
                    slots[slot] = null; // two mempool transactions share the id: ask for it
                    found--;
                }
                if (found == bySlot.Count) break;
            }
        }
        return (ReconstructionStatus.Ok, new PartialBlock(compact, slots, found));
    }

    /// <summary>
    /// Fills the missing slots with a blocktxn's transactions (none when the mempool had them all) and checks the
    /// result against the header's merkle root; a mismatch most likely means a short id matched the wrong
    /// transaction, so the full block is fetched rather than the peer blamed (Core's READ_STATUS_FAILED).
    /// </summary>
    /// <param name="share">The runtime's shared object for this block (<see cref="BlockSync.ShareRebuiltBlock"/>): when
    /// it hands back another object, that one has the same header and transactions and its merkle root was checked
    /// when it was made, so the check is not repeated.</param>
    public (ReconstructionStatus Status, Block? Block) Fill(IReadOnlyList<Transaction> missing, Func<Block, Block>? share = null)
    {
        var txs = new List<Transaction>(_slots.Length);
        int used = 0;
        foreach (var slot in _slots)
        {
            if (slot is not null) txs.Add(slot);
            else if (used < missing.Count) txs.Add(missing[used++]);
            else return (ReconstructionStatus.Invalid, null);
        }
        if (used != missing.Count) return (ReconstructionStatus.Invalid, null);
        var block = new Block { Header = Header, Transactions = txs };
        if (share?.Invoke(block) is { } shared && !ReferenceEquals(shared, block)) return (ReconstructionStatus.Ok, shared);
        var root = block.ComputeMerkleRoot(out bool mutated);
        if (root != Header.MerkleRoot || mutated) return (ReconstructionStatus.Failed, null);
        return (ReconstructionStatus.Ok, block);
    }
}

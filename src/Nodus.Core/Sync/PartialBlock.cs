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
    // Rented from the shared pool (a block's worth of references per rebuild, at every node): the first _count are
    // the slots; handed back by Release once the block is filled or given up.
    private Transaction?[] _slots;
    private readonly int _count;

    private PartialBlock(CompactBlock compact, Transaction?[] slots, int count, int fromMempool)
    {
        _count = count;
        Hash = compact.GetHash();
        Header = compact.Header; // after hashing: the copy keeps the memoised hash
        _slots = slots;
        FromMempool = fromMempool;
    }

    public BlockHeader Header { get; }
    public Hash256 Hash { get; }
    public int TransactionCount => _count;
    /// <summary>Transactions found in the mempool (for logs and measurements).</summary>
    public int FromMempool { get; }

    /// <summary>Indexes still missing, ascending: the getblocktxn request.</summary>
    public List<int> MissingIndexes()
    {
        var missing = new List<int>();
        for (int i = 0; i < _count; i++) if (_slots[i] is null) missing.Add(i);
        return missing;
    }

    public bool IsComplete => Array.IndexOf(_slots, null, 0, _count) < 0;

    /// <summary>Hands the slots back to the pool: the partial block is not used afterwards (it was filled or dropped).</summary>
    internal void Release()
    {
        var slots = _slots;
        _slots = [];
        if (slots.Length > 0) ReturnSlots(slots, _count);
    }

    private static Transaction?[] RentSlots(int count)
    {
        var slots = System.Buffers.ArrayPool<Transaction?>.Shared.Rent(count);
        slots.AsSpan(0, count).Clear();
        return slots;
    }

    private static void ReturnSlots(Transaction?[] slots, int count)
    {
        slots.AsSpan(0, count).Clear(); // the pool must not keep transactions alive
        System.Buffers.ArrayPool<Transaction?>.Shared.Return(slots);
    }

    /// <summary>Places prefilled transactions and matches <paramref name="candidates"/> (the mempool) by short id.</summary>
    public static (ReconstructionStatus Status, PartialBlock? Block) Start(CompactBlock compact, IEnumerable<Transaction> candidates) =>
        Start(compact, [CandidateRun.Of([.. candidates])]);

    /// <summary>Candidates' short ids hashed per step: bounds the hashing past the point where every slot is found.</summary>
    private const int ShortIdBatch = 256;

    // The thread's buffer for one step's short ids (Match calls no outside code, so it is never in use twice).
    [ThreadStatic] private static ulong[]? _shortIdBatch;

    /// <summary>
    /// Places prefilled transactions and matches the candidate runs, in order, by short id: Core's
    /// PartiallyDownloadedBlock::InitData over its mempool, with the short ids looked up in an open-addressing table
    /// and the candidates' short ids computed in vectorised batches.
    /// </summary>
    public static (ReconstructionStatus Status, PartialBlock? Block) Start(CompactBlock compact, IReadOnlyList<CandidateRun> candidates)
    {
        int count = compact.TransactionCount;
        if (count == 0 || count > CompactBlock.MaxTransactions) return (ReconstructionStatus.Invalid, null);
        var slots = RentSlots(count);
        var status = Match(compact, candidates, slots, count, out int found);
        if (status != ReconstructionStatus.Ok)
        {
            ReturnSlots(slots, count);
            return (status, null);
        }
        return (ReconstructionStatus.Ok, new PartialBlock(compact, slots, count, found));
    }

    private static ReconstructionStatus Match(CompactBlock compact, IReadOnlyList<CandidateRun> candidates, Transaction?[] slots, int count, out int found)
    {
        found = 0;
        for (int i = 0; i < compact.Prefilled.Count; i++)
        {
            // Ascending by the wire's differential encoding; an index past the block is Core's "index beyond block".
            var (index, tx) = compact.Prefilled[i];
            if (index >= count || slots[index] is not null) return ReconstructionStatus.Invalid;
            slots[index] = tx;
        }

        // Position → slot (the slots not prefilled, in block order), and short id → position when needed. Whether two
        // ids in the block collide may be known already (the same compact block object read by an earlier receiver
        // in this process): then the ids are looked at only for candidates that are not the sender's own wtxids.
        int idCount = compact.ShortIdCount;
        var slotOf = SlotsOf(idCount);
        int next = 0;
        for (int p = 0; p < idCount; p++)
        {
            while (slots[next] is not null) next++;
            slotOf[p] = next++;
        }
        var repeats = compact.KnownRepeats;
        if (repeats == true) return ReconstructionStatus.Failed;
        ReadOnlySpan<ulong> shortIds = default;
        bool haveIds = false, indexed = false;
        ShortIdTable byId = default;
        if (repeats is null)
        {
            shortIds = compact.ShortIdsOrInto(IdScratch(idCount));
            haveIds = indexed = true;
            byId = new ShortIdTable(shortIds);
            for (int p = 0; p < idCount; p++)
            {
                if (byId.TryAdd(p)) continue;
                compact.RememberRepeats(true);
                return ReconstructionStatus.Failed; // two in the block collide
            }
            compact.RememberRepeats(false);
        }

        var key = compact.Key;
        if (idCount > 0)
        {
            var batch = _shortIdBatch ??= new ulong[ShortIdBatch];
            // The position after the last match: a mempool mostly holds a block's transactions in the block's order,
            // so the next candidate's id is first compared there. Ids in the block are unique (checked above or
            // known), so a hit there is the very position the table would give.
            int guess = 0;
            foreach (var run in candidates)
            {
                var wtxids = run.WitnessIds;
                var txs = run.Items;
                for (int from = 0; from < wtxids.Length; from += ShortIdBatch)
                {
                    int n = Math.Min(ShortIdBatch, wtxids.Length - from);
                    // Candidates that are, in the same place, the wtxids the sender built this compact block from have
                    // the ids at their own positions (the same SipHash under the same key; the ids are unique, so
                    // that is the position the table would give): nothing to hash or compare. Others are hashed.
                    var step = wtxids.AsSpan(from, n);
                    bool inPlace = compact.IsBuiltFrom(step, from);
                    if (inPlace && PlaceRun(slotOf.AsSpan(from, n), new ReadOnlySpan<Transaction?>(txs, from, n), slots))
                    {
                        // What the loop below does for such a step, in one copy: every position matched anew.
                        found += n;
                        guess = from + n;
                        if (found == idCount) return ReconstructionStatus.Ok;
                        continue;
                    }
                    if (!inPlace)
                    {
                        if (!haveIds)
                        {
                            shortIds = compact.ShortIdsOrInto(IdScratch(idCount));
                            haveIds = true;
                        }
                        key.ShortIds(step, batch);
                    }
                    for (int j = 0; j < n; j++)
                    {
                        int at;
                        if (inPlace) at = from + j;
                        else
                        {
                            ulong id = batch[j];
                            at = guess;
                            if ((uint)at >= (uint)idCount || shortIds[at] != id)
                            {
                                if (!indexed)
                                {
                                    byId = new ShortIdTable(shortIds);
                                    for (int p = 0; p < idCount; p++) byId.TryAdd(p); // known to be unique
                                    indexed = true;
                                }
                                at = byId.Find(id);
                                if (at < 0) continue;
                            }
                        }
                        guess = at + 1;
                        int slot = slotOf[at];
                        if ((slot & Matched) == 0)
                        {
                            slotOf[at] = slot | Matched;
                            slots[slot] = txs[from + j];
                            found++;
                        }
                        else if (slots[slot & ~Matched] is { } earlier && earlier.GetWitnessHash() != wtxids[from + j])
                        {
                            slots[slot & ~Matched] = null; // two mempool transactions share the id: ask for it
                            found--;
                        }
                        if (found == idCount) return ReconstructionStatus.Ok;
                    }
                }
            }
        }
        return ReconstructionStatus.Ok;
    }

    /// <summary>
    /// Puts candidates found at their own positions into their slots in one copy, when none of the positions was
    /// matched before and their slots are adjacent (no prefilled transaction between): the usual step of a block
    /// rebuilt from the sender's own transactions. A copy marks the card table once for the range rather than a
    /// write barrier per transaction. False, with nothing changed, when the step needs the loop.
    /// </summary>
    private static bool PlaceRun(Span<int> slotOf, ReadOnlySpan<Transaction?> txs, Transaction?[] slots)
    {
        int first = slotOf[0];
        // Unmatched entries are slots (below MaxTransactions), so a flag anywhere shows as a value at or above it.
        if (slotOf.IndexOfAnyInRange(Matched, int.MaxValue) >= 0 || slotOf[^1] - first != slotOf.Length - 1) return false;
        txs.CopyTo(slots.AsSpan(first, txs.Length));
        for (int i = 0; i < slotOf.Length; i++) slotOf[i] |= Matched;
        return true;
    }

    // The thread's room for a compact block's short ids when they are hashed for one rebuild only (Match calls no
    // outside code that rebuilds: never in use twice).
    [ThreadStatic] private static ulong[]? _idScratch;

    private static ulong[] IdScratch(int count)
    {
        var scratch = _idScratch;
        if (scratch is null || scratch.Length < count) _idScratch = scratch = new ulong[Math.Max(count, ShortIdBatch)];
        return scratch;
    }

    /// <summary>Set in a <see cref="SlotsOf"/> entry once a candidate matched that position (above
    /// <see cref="CompactBlock.MaxTransactions"/>, so never part of a slot).</summary>
    private const int Matched = 1 << 30;

    // The thread's position → slot array, with the matched flag (Match calls no outside code: never in use twice).
    [ThreadStatic] private static int[]? _slotOf;

    private static int[] SlotsOf(int count)
    {
        var slotOf = _slotOf;
        if (slotOf is null || slotOf.Length < count) _slotOf = slotOf = new int[Math.Max(count, ShortIdBatch)];
        return slotOf;
    }

    /// <summary>
    /// The positions of one compact block's short ids: open addressing with linear probing over the thread's own
    /// array. Short ids are SipHash output, so their low bits index the table.
    /// </summary>
    private ref struct ShortIdTable
    {
        // An entry is a position and the use it belongs to in 32 bits; the id itself is read from the compact block's
        // ids. Four bytes an entry leave room for a table a quarter full in the first-level cache (16 KB for a block
        // of 2,000 transactions), so probes are short and rarely miss the cache: building it is most of a rebuild
        // whose candidates are found in block order. The table is the thread's own and is reused without clearing:
        // an entry counts only when stamped with the current use (a rebuild at every node would otherwise clear it
        // each time). Match calls no outside code, so one table per thread is never in use twice at once.
        private const int PositionBits = 17; // position + 1 <= CompactBlock.MaxTransactions (100,000) < 2^17
        private const uint PositionMask = (1u << PositionBits) - 1;
        private const uint Uses = 1u << (32 - PositionBits); // stamps 1 .. Uses - 1, then the table is cleared
        [ThreadStatic] private static uint[]? _threadEntries;
        [ThreadStatic] private static uint _threadUse;
        private readonly uint[] _entries;
        private readonly ReadOnlySpan<ulong> _ids;
        private readonly uint _use;
        private readonly int _mask;

        public ShortIdTable(ReadOnlySpan<ulong> ids)
        {
            System.Diagnostics.Debug.Assert(CompactBlock.MaxTransactions < PositionMask);
            int size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, 4 * ids.Length));
            var entries = _threadEntries;
            if (entries is null || entries.Length < size) _threadEntries = entries = new uint[size];
            uint use = _threadUse + 1;
            if (use == Uses)
            {
                // The stamps are used up: old ones would match again, so this once the table is cleared.
                Array.Clear(entries);
                use = 1;
            }
            _threadUse = use;
            _entries = entries;
            _ids = ids;
            _use = use << PositionBits;
            _mask = size - 1;
        }

        /// <summary>Adds the id at <paramref name="position"/>; false when an earlier position has the same id.</summary>
        public readonly bool TryAdd(int position)
        {
            var entries = _entries;
            ulong key = _ids[position];
            int i = (int)key & _mask;
            while (true)
            {
                uint entry = entries[i];
                if ((entry & ~PositionMask) != _use)
                {
                    entries[i] = _use | (uint)(position + 1);
                    return true;
                }
                if (_ids[(int)(entry & PositionMask) - 1] == key) return false;
                i = (i + 1) & _mask;
            }
        }

        /// <summary>The position in the compact block of <paramref name="key"/>, or -1.</summary>
        public readonly int Find(ulong key)
        {
            var entries = _entries;
            int i = (int)key & _mask;
            while (true)
            {
                uint entry = entries[i];
                if ((entry & ~PositionMask) != _use) return -1;
                int position = (int)(entry & PositionMask) - 1;
                if (_ids[position] == key) return position;
                i = (i + 1) & _mask;
            }
        }
    }

    /// <summary>
    /// Fills the missing slots with a blocktxn's transactions (none when the mempool had them all) and checks the
    /// result against the header's merkle root; a mismatch most likely means a short id matched the wrong
    /// transaction, so the full block is fetched rather than the peer blamed (Core's READ_STATUS_FAILED).
    /// </summary>
    /// <param name="share">The runtime's shared object for this block (<see cref="BlockSync.ShareRebuiltBlock"/>): when
    /// it has one with these transactions, that one's merkle root was checked when it was made, so the check is not
    /// repeated and no copy of the block is made.</param>
    public (ReconstructionStatus Status, Block? Block) Fill(IReadOnlyList<Transaction> missing, SharedBlockLookup? share = null)
    {
        int count = _count;
        // Rebuilt from the mempool alone (the usual case): the slots are the block's transactions as they stand.
        if (missing.Count == 0 && IsComplete) return Assemble(new ReadOnlySpan<Transaction?>(_slots, 0, count)!, share);
        var filled = System.Buffers.ArrayPool<Transaction>.Shared.Rent(count);
        var txs = filled.AsSpan(0, count);
        try
        {
            int used = 0;
            for (int i = 0; i < count; i++)
            {
                if (_slots[i] is { } slot) txs[i] = slot;
                else if (used < missing.Count) txs[i] = missing[used++];
                else return (ReconstructionStatus.Invalid, null);
            }
            if (used != missing.Count) return (ReconstructionStatus.Invalid, null);
            return Assemble(txs, share);
        }
        finally
        {
            txs.Clear(); // the pool must not keep transactions alive
            System.Buffers.ArrayPool<Transaction>.Shared.Return(filled);
        }
    }

    private (ReconstructionStatus Status, Block? Block) Assemble(ReadOnlySpan<Transaction> txs, SharedBlockLookup? share)
    {
        if (share?.Invoke(Hash, txs) is { } shared) return (ReconstructionStatus.Ok, shared);
        var block = new Block { Header = Header, Transactions = [.. txs] };
        var root = block.ComputeMerkleRoot(out bool mutated);
        if (root != Header.MerkleRoot || mutated) return (ReconstructionStatus.Failed, null);
        return (ReconstructionStatus.Ok, block);
    }
}

/// <summary>
/// The runtime's one shared object of the block with <paramref name="hash"/> whose transactions are exactly
/// <paramref name="transactions"/>, with its merkle root checked when it was made; null when it has none.
/// </summary>
public delegate Block? SharedBlockLookup(Hash256 hash, ReadOnlySpan<Transaction> transactions);


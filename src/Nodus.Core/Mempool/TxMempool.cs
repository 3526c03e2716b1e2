using Nodus.Core.Chain;
using Nodus.Wire.Encoding;
using Nodus.Wire.Types;

namespace Nodus.Core.Mempool;

/// <summary>
/// The pool of valid unconfirmed transactions: keyed by txid, kept in arrival order (which is also a valid block
/// order, since a transaction is accepted after the parents it was relayed after), bounded in bytes and count, and
/// free of double spends. Pure: the chain tells it about connected and disconnected blocks; time is passed in.
/// </summary>
public sealed class TxMempool
{
    /// <summary>Bitcoin Core's DEFAULT_MAX_MEMPOOL_SIZE_MB (300 MB), counted here in serialized bytes.</summary>
    public const long DefaultMaxBytes = 300_000_000;

    /// <summary>A count bound so a flood of tiny transactions cannot fill memory with per-entry overhead
    /// (Core bounds only bytes of dynamic memory; 300 MB / ~200-byte typical txs gives this order of magnitude).</summary>
    public const int DefaultMaxCount = 1_500_000;

    /// <summary>Bitcoin Core's m_recent_rejects capacity (120,000 entries): rejected txids are not requested again.</summary>
    public const int RecentRejectsCapacity = 120_000;

    /// <summary>Bitcoin Core's m_recent_confirmed_transactions capacity (48,000): txids mined recently.</summary>
    public const int RecentConfirmedCapacity = 48_000;

    private readonly Dictionary<Hash256, MempoolEntry> _entries = [];
    private readonly LinkedList<MempoolEntry> _order = new();
    private readonly Dictionary<OutPoint, Hash256> _spentBy = [];

    public TxMempool(ITransactionValidator? validator = null, long maxBytes = DefaultMaxBytes, int maxCount = DefaultMaxCount,
        int recentRejectsCapacity = RecentRejectsCapacity, int recentConfirmedCapacity = RecentConfirmedCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        Validator = validator ?? PermissiveTransactionValidator.Instance;
        MaxBytes = maxBytes;
        MaxCount = maxCount;
        RecentRejects = new RecentTxFilter(recentRejectsCapacity);
        RecentlyConfirmed = new RecentTxFilter(recentConfirmedCapacity);
    }

    /// <summary>The chain's pluggable consensus validator (shared with block validation).</summary>
    public ITransactionValidator Validator { get; set; }

    /// <summary>Height a transaction would confirm at (tip + 1), for the validator; the chain sets it.</summary>
    public Func<int> NextBlockHeight { get; set; } = () => 0;
    public long MaxBytes { get; }
    public int MaxCount { get; }
    public int Count => _entries.Count;
    public long Bytes { get; private set; }

    /// <summary>Txids rejected for a reason that will not change until a new block: not requested again.</summary>
    public RecentTxFilter RecentRejects { get; }

    /// <summary>Txids confirmed in recent blocks: not requested again when late announcements arrive.</summary>
    public RecentTxFilter RecentlyConfirmed { get; }

    /// <summary>Raised after a transaction enters the mempool.</summary>
    public event Action<MempoolEntry>? Added;

    /// <summary>Raised after a transaction leaves the mempool (mined, conflicted, or evicted), with the reason.</summary>
    public event Action<MempoolEntry, string>? Removed;

    public bool Contains(Hash256 txid) => _entries.ContainsKey(txid);

    public MempoolEntry? Get(Hash256 txid) => _entries.GetValueOrDefault(txid);

    /// <summary>Whether the txid needs no download: in the pool, recently rejected or recently confirmed.</summary>
    public bool IsKnown(Hash256 txid) =>
        _entries.ContainsKey(txid) || RecentRejects.Contains(txid) || RecentlyConfirmed.Contains(txid);

    /// <summary>Txids in arrival order (getrawmempool).</summary>
    public IEnumerable<Hash256> Txids => _order.Select(e => e.Txid);

    public IEnumerable<MempoolEntry> Entries => _order;

    /// <summary>The txid of the mempool transaction spending <paramref name="outpoint"/>, if any.</summary>
    public Hash256? SpenderOf(OutPoint outpoint) => _spentBy.TryGetValue(outpoint, out var id) ? id : null;

    /// <summary>Every check of <see cref="Accept"/> without adding: for stem (Dandelion) transactions.</summary>
    public MempoolAcceptResult Check(Transaction tx)
    {
        var txid = tx.GetHash();
        if (_entries.ContainsKey(txid)) return new(MempoolAcceptStatus.AlreadyKnown, "txn-already-in-mempool");
        if (RecentlyConfirmed.Contains(txid)) return new(MempoolAcceptStatus.AlreadyKnown, "txn-already-known");
        int size = tx.GetSerializedSize();
        var result = TransactionChecks.Check(tx, size);
        if (!result.IsAccepted) return result;
        foreach (var input in tx.Inputs)
            if (_spentBy.TryGetValue(input.PrevOut, out var other))
                return new(MempoolAcceptStatus.DoubleSpend, $"txn-mempool-conflict (with {other})");
        var validation = Validator.Validate(tx, NextBlockHeight());
        if (validation.Outcome == ValidationOutcome.MissingParent)
            return new(MempoolAcceptStatus.MissingInputs, validation.Reason);
        if (!validation.IsValid) return new(MempoolAcceptStatus.Invalid, validation.Reason);
        if (_entries.Count >= MaxCount || Bytes + size > MaxBytes)
            return new(MempoolAcceptStatus.Full, "mempool full");
        return MempoolAcceptResult.Ok;
    }

    /// <summary>Checks and, when acceptable, adds at the end of the arrival order. Failures that will not change
    /// before the next block are remembered in <see cref="RecentRejects"/>.</summary>
    public MempoolAcceptResult Accept(Transaction tx, long now)
    {
        var result = Check(tx);
        if (!result.IsAccepted)
        {
            if (result.Status is not (MempoolAcceptStatus.AlreadyKnown or MempoolAcceptStatus.Full or MempoolAcceptStatus.MissingInputs))
                RecentRejects.Add(tx.GetHash());
            return result;
        }
        Insert(new MempoolEntry(tx, tx.GetSerializedSize(), now), atFront: false);
        return result;
    }

    /// <summary>Removes a transaction (and, recursively, its in-mempool descendants, which become invalid).</summary>
    public bool Remove(Hash256 txid, string reason)
    {
        if (!_entries.TryGetValue(txid, out var entry)) return false;
        var stack = new Stack<MempoolEntry>();
        stack.Push(entry);
        while (stack.Count > 0)
        {
            var e = stack.Pop();
            if (!_entries.ContainsKey(e.Txid)) continue;
            Erase(e, e == entry ? reason : $"{reason} (descendant)");
            for (uint i = 0; i < e.Transaction.Outputs.Count; i++)
                if (_spentBy.TryGetValue(new OutPoint(e.Txid, i), out var child) && _entries.TryGetValue(child, out var c))
                    stack.Push(c);
        }
        return true;
    }

    /// <summary>Up to <paramref name="maxBytes"/> of transactions in arrival order, for a block template. A
    /// transaction that does not fit is skipped together with any later one spending its outputs.</summary>
    public List<Transaction> SelectForBlock(long maxBytes)
    {
        var selected = new List<Transaction>();
        var skipped = new HashSet<Hash256>();
        long used = 0;
        foreach (var entry in _order)
        {
            bool parentSkipped = entry.Transaction.Inputs.Exists(i => skipped.Contains(i.PrevOut.Hash));
            if (parentSkipped || used + entry.Size > maxBytes)
            {
                skipped.Add(entry.Txid);
                continue;
            }
            used += entry.Size;
            selected.Add(entry.Transaction);
        }
        return selected;
    }

    /// <summary>Selects like <see cref="SelectForBlock"/> and removes the selected transactions (a miner's take).</summary>
    public List<Transaction> TakeForBlock(long maxBytes)
    {
        var taken = SelectForBlock(maxBytes);
        foreach (var tx in taken)
        {
            if (_entries.TryGetValue(tx.GetHash(), out var e)) Erase(e, "block");
            RecentlyConfirmed.Add(tx.GetHash());
        }
        return taken;
    }

    /// <summary>A block joined the active chain: its transactions leave the pool, and so do mempool transactions
    /// that spend the same outpoints (they can never confirm now). The reject filter is reset, as in Core.</summary>
    public void RemoveForBlock(IReadOnlyList<Transaction> blockTransactions)
    {
        if (_entries.Count == 0 && _spentBy.Count == 0)
        {
            // Nothing to erase and no spend to conflict with (a node that relays no transactions): only the
            // confirmed filter learns the ids, and it is handed just those it can keep.
            RecentlyConfirmed.AddInOrder(blockTransactions.Count, blockTransactions, static (txs, i) => txs[i].GetHash()); // no closure per block
            RecentRejects.Clear();
            return;
        }
        foreach (var tx in blockTransactions)
        {
            var txid = tx.GetHash();
            RecentlyConfirmed.Add(txid);
            if (_entries.TryGetValue(txid, out var included)) Erase(included, "block");
            if (tx.IsCoinbase) continue;
            foreach (var input in tx.Inputs)
                if (_spentBy.TryGetValue(input.PrevOut, out var conflict)) Remove(conflict, "conflict");
        }
        RecentRejects.Clear();
    }

    /// <summary>A block left the active chain (reorganisation): its transactions return to the pool ahead of the
    /// others, in block order, so parents stay before children; then the pool is trimmed from the newest end.
    /// Returns the transactions that were re-added.</summary>
    public List<Transaction> ReturnFromBlock(IReadOnlyList<Transaction> blockTransactions, long now)
    {
        var readded = new List<Transaction>();
        for (int i = blockTransactions.Count - 1; i >= 0; i--)
        {
            var tx = blockTransactions[i];
            if (tx.IsCoinbase || _entries.ContainsKey(tx.GetHash())) continue;
            int size = tx.GetSerializedSize();
            if (!TransactionChecks.Check(tx, size).IsAccepted || !Validator.Validate(tx, NextBlockHeight()).IsValid) continue;
            // A mempool transaction spending the same outpoint arrived after the block: the block's one wins.
            foreach (var input in tx.Inputs)
                if (_spentBy.TryGetValue(input.PrevOut, out var conflict)) Remove(conflict, "conflict with reorganised block");
            Insert(new MempoolEntry(tx, size, now), atFront: true);
            readded.Add(tx);
        }
        readded.Reverse();
        while (_entries.Count > MaxCount || Bytes > MaxBytes) Remove(_order.Last!.Value.Txid, "size limit");
        return readded;
    }

    private void Insert(MempoolEntry entry, bool atFront)
    {
        _entries.Add(entry.Txid, entry);
        entry.Node = atFront ? _order.AddFirst(entry) : _order.AddLast(entry);
        foreach (var input in entry.Transaction.Inputs) _spentBy[input.PrevOut] = entry.Txid;
        Bytes += entry.Size;
        Added?.Invoke(entry);
    }

    private void Erase(MempoolEntry entry, string reason)
    {
        _entries.Remove(entry.Txid);
        _order.Remove(entry.Node!);
        entry.Node = null;
        foreach (var input in entry.Transaction.Inputs)
            if (_spentBy.TryGetValue(input.PrevOut, out var spender) && spender == entry.Txid) _spentBy.Remove(input.PrevOut);
        Bytes -= entry.Size;
        Removed?.Invoke(entry, reason);
    }
}

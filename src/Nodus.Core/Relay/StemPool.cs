using Nodus.Core.Peers;
using Nodus.Wire.Encoding;
using Nodus.Wire.Types;

namespace Nodus.Core.Relay;

/// <summary>A Dandelion stem transaction under embargo: known to us, but never announced nor served.</summary>
public sealed class StemEntry(Transaction tx, int size, long embargoUntil, PeerId? source, PeerId? relay)
{
    public Transaction Transaction { get; } = tx;
    public Hash256 Txid { get; } = tx.GetHash();
    public int Size { get; } = size;
    /// <summary>When the node fluffs the transaction itself unless it was seen fluffed before.</summary>
    public long EmbargoUntil { get; } = embargoUntil;
    /// <summary>The peer that stemmed it to us; null for our own.</summary>
    public PeerId? Source { get; } = source;
    /// <summary>The stem relay we forwarded it to.</summary>
    public PeerId? Relay { get; } = relay;
}

/// <summary>
/// Dandelion's stem pool, separate from the mempool (BIP 156 "mempool embargo"): its transactions are not in
/// getrawmempool, not announced, and getdata for them gets notfound. Bounded; a full pool makes new stems fluff.
/// </summary>
public sealed class StemPool
{
    /// <summary>BIP 156 names no bound; ours: stems live about 30 s (the embargo mean), so 10,000 entries cover
    /// more than 300 stem transactions per second.</summary>
    public const int DefaultMaxCount = 10_000;

    /// <summary>Bytes bound to match: 10,000 transactions of the 100,000-byte standard maximum would be 1 GB, so
    /// bytes are capped separately at 20 MB.</summary>
    public const long DefaultMaxBytes = 20_000_000;

    // Created with the first stem transaction: a node that never sees one (flooding or diffusion, or most nodes of a
    // million-node run) holds no collections.
    private Dictionary<Hash256, StemEntry>? _entries;
    private Dictionary<OutPoint, Hash256>? _spentBy;
    private PriorityQueue<Hash256, long>? _embargoes;

    public StemPool(int maxCount = DefaultMaxCount, long maxBytes = DefaultMaxBytes)
    {
        MaxCount = maxCount;
        MaxBytes = maxBytes;
    }

    public int MaxCount { get; }
    public long MaxBytes { get; }
    public int Count => _entries?.Count ?? 0;
    public long Bytes { get; private set; }

    public bool Contains(Hash256 txid) => _entries?.ContainsKey(txid) ?? false;
    public StemEntry? Get(Hash256 txid) => _entries?.GetValueOrDefault(txid);
    public IEnumerable<StemEntry> Entries => _entries?.Values ?? Enumerable.Empty<StemEntry>();

    public bool HasRoomFor(int size) => Count < MaxCount && Bytes + size <= MaxBytes;

    /// <summary>The txid of a stem transaction spending <paramref name="outpoint"/>, if any.</summary>
    public Hash256? SpenderOf(OutPoint outpoint) => _spentBy is not null && _spentBy.TryGetValue(outpoint, out var id) ? id : null;

    public bool Add(StemEntry entry)
    {
        if (Contains(entry.Txid) || !HasRoomFor(entry.Size)) return false;
        _entries ??= [];
        _spentBy ??= [];
        _embargoes ??= new();
        _entries.Add(entry.Txid, entry);
        foreach (var input in entry.Transaction.Inputs) _spentBy[input.PrevOut] = entry.Txid;
        Bytes += entry.Size;
        _embargoes.Enqueue(entry.Txid, entry.EmbargoUntil);
        return true;
    }

    public StemEntry? Remove(Hash256 txid)
    {
        if (_entries is null || !_entries.Remove(txid, out var entry)) return null;
        foreach (var input in entry.Transaction.Inputs)
            if (_spentBy!.TryGetValue(input.PrevOut, out var s) && s == txid) _spentBy.Remove(input.PrevOut);
        Bytes -= entry.Size;
        return entry;
    }

    /// <summary>The earliest embargo still pending, or <see cref="Time.Never"/>.</summary>
    public long NextEmbargo
    {
        get
        {
            DropStale();
            return _embargoes is not null && _embargoes.TryPeek(out _, out long at) ? at : Time.Never;
        }
    }

    /// <summary>Removes and returns the entries whose embargo has expired, earliest first.</summary>
    public List<StemEntry> TakeExpired(long now)
    {
        var expired = new List<StemEntry>();
        if (_embargoes is null) return expired;
        DropStale();
        while (_embargoes.TryPeek(out var txid, out long at) && at <= now)
        {
            _embargoes.Dequeue();
            if (Remove(txid) is { } entry) expired.Add(entry);
            DropStale();
        }
        return expired;
    }

    // Entries removed early (seen fluffed, mined) leave their embargo behind; skip them lazily.
    private void DropStale()
    {
        if (_embargoes is null) return;
        while (_embargoes.TryPeek(out var txid, out long at) && (!_entries!.TryGetValue(txid, out var e) || e.EmbargoUntil != at))
            _embargoes.Dequeue();
    }
}

using Nodus.Wire.Encoding;

namespace Nodus.Wire.Types;

/// <summary>
/// BIP 152 HeaderAndShortIDs: a block as its header, a nonce, a 6-byte short id for each transaction the receiver is
/// expected to have, and the transactions it is not (at least the coinbase) sent whole with their indexes.
/// </summary>
public sealed class CompactBlock : IWireValue<CompactBlock>
{
    /// <summary>
    /// Transactions a compact block may name: Bitcoin Core's MAX_BLOCK_WEIGHT / MIN_SERIALIZABLE_TRANSACTION_WEIGHT
    /// (4,000,000 / 40, blockencodings.cpp InitData): no valid block holds more.
    /// </summary>
    public const int MaxTransactions = 4_000_000 / 40;

    public static int MinEncodedSize => BlockHeader.EncodedSize + 8 + 1 + 1;

    public BlockHeader Header;
    public ulong Nonce;
    /// <summary>Short ids in block order of the transactions not prefilled; the low 48 bits are used.</summary>
    public List<ulong> ShortIds
    {
        get => _shortIds ??= [.. SourceIds() ?? []];
        set => _shortIds = value;
    }

    /// <summary>The short ids without making the list (<see cref="FromBlock"/> keeps them in an array until the list
    /// is asked for): what the wire encoding and a rebuild read.</summary>
    public ReadOnlySpan<ulong> ShortIdSpan =>
        _shortIds is { } list ? System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list) : SourceIds();

    /// <summary>How many short ids there are, without computing them.</summary>
    public int ShortIdCount => _shortIds?.Count ?? (_source is null ? 0 : _sourceCount);

    private List<ulong>? _shortIds;

    // What FromBlock was built from: the block's wtxids after the coinbase (its witness memo's leaves, never
    // changed; _sourceCount of them from _sourceStart) and the key of their short ids, which are hashed when first
    // read: a simulated node's compact block that no peer rebuilds (four in ten in the bitcoin preset) is sized
    // from its counts and never hashed; a receiver that only checks them for collisions hashes them into its own
    // scratch (ShortIdsOrInto). A pure function's memo: SipHash under one key gives the same id for the same wtxid,
    // so a receiver in the same process whose candidates are these wtxids in place knows their ids are at their own
    // positions without hashing them again (IsBuiltFrom). It is not used once the list was asked for (it may have
    // been edited) or the key changed.
    private Hash256[]? _source;
    private int _sourceStart, _sourceCount;
    private ulong[]? _sourceIds;
    private ShortIdKey _sourceKey;
    // Whether FromBlock's ids hold one id twice (0 not yet known, 1 no, 2 yes): every receiver of this object in a
    // simulation would look through the same array again.
    private int _sourceIdsRepeat;

    /// <summary>Whether the short ids hold one id twice, when a reader has already found out for these very ids
    /// (<see cref="RememberRepeats"/>); null when not known, or when the ids are a list, which may have changed since.</summary>
    public bool? KnownRepeats => _shortIds is null && _source is not null && _sourceIdsRepeat != 0 ? _sourceIdsRepeat == 2 : null;

    /// <summary>Keeps whether <see cref="ShortIdSpan"/> holds one id twice (Bitcoin Core's "short ID collision" in
    /// InitData), for FromBlock's ids only: they never change, so it stays true for every later reader.</summary>
    public void RememberRepeats(bool repeats)
    {
        if (_shortIds is null && _source is not null) _sourceIdsRepeat = repeats ? 2 : 1;
    }
    /// <summary>Prefilled transactions in ascending index order.</summary>
    public List<PrefilledTransaction> Prefilled = [];

    /// <summary>Transactions in the block the compact block describes.</summary>
    public int TransactionCount => ShortIdCount + Prefilled.Count;

    public Hash256 GetHash() => Header.GetHash();

    /// <summary>The SipHash key of this compact block's short ids, kept with the header and nonce it was derived from
    /// (a relayed compact block object is read by every receiver in a simulation); recomputed when either changed.</summary>
    public ShortIdKey Key
    {
        get
        {
            if (_key is { } known && known.Nonce == Nonce && known.Header.Equals(Header)) return known.Key;
            var key = ShortIdKey.For(Header, Nonce);
            _key = new KeyMemo(Header, Nonce, key);
            return key;
        }
    }

    private KeyMemo? _key;

    private sealed record KeyMemo(BlockHeader Header, ulong Nonce, ShortIdKey Key);

    /// <summary>
    /// The compact form of <paramref name="block"/>: the coinbase prefilled (the receiver can never have it) and every
    /// other transaction by its wtxid short id, as Bitcoin Core's CBlockHeaderAndShortTxIDs constructor builds it.
    /// </summary>
    public static CompactBlock FromBlock(Block block, ulong nonce)
    {
        var txs = block.Transactions;
        var compact = new CompactBlock { Header = block.Header, Nonce = nonce };
        if (txs.Count > 0) compact.Prefilled.Add(new PrefilledTransaction(0, txs[0]));
        // The wtxids come from the block's witness memo: a block object announced by many nodes of one process
        // (each with its own nonce) has them read from its transactions once.
        var (source, start) = block.WitnessIdsAfterCoinbase(out int count);
        (compact._source, compact._sourceStart, compact._sourceCount, compact._sourceKey) = (source, start, count, compact.Key);
        return compact;
    }

    /// <summary>Whether FromBlock's short ids have been hashed yet (for tests).</summary>
    internal bool SourceIdsHashed => _sourceIds is not null;

    /// <summary>FromBlock's short ids, hashed on first use; null for a compact block made otherwise.</summary>
    private ulong[]? SourceIds()
    {
        if (_sourceIds is null && _source is { } source)
        {
            var ids = GC.AllocateUninitializedArray<ulong>(_sourceCount); // every entry is written just below
            _sourceKey.ShortIds(source.AsSpan(_sourceStart, _sourceCount), ids);
            _sourceIds = ids;
        }
        return _sourceIds;
    }

    /// <summary>
    /// True when <paramref name="wtxids"/> are, byte for byte, the wtxids this compact block was built from at
    /// <paramref name="at"/> (in block order after the coinbase), under the same key and with the ids as built: then
    /// their short ids are this compact block's at the same positions (the very values SipHash gives). False
    /// otherwise (another place, a changed header, nonce or id list, or not made by <see cref="FromBlock"/> in this
    /// process): hash them.
    /// </summary>
    public bool IsBuiltFrom(ReadOnlySpan<Hash256> wtxids, int at)
    {
        if (_shortIds is not null || _source is not { } source || at < 0 || at > _sourceCount - wtxids.Length) return false;
        var known = source.AsSpan(_sourceStart + at, wtxids.Length);
        return System.Runtime.InteropServices.MemoryMarshal.AsBytes(known).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(wtxids))
            && Key == _sourceKey;
    }

    /// <summary>
    /// The short ids for one reading: the list, or FromBlock's ids when already hashed, or else FromBlock's ids hashed
    /// into <paramref name="scratch"/> (at least <see cref="ShortIdCount"/> long) and not kept — a receiver that only
    /// checks them for collisions needs no array of its own.
    /// </summary>
    public ReadOnlySpan<ulong> ShortIdsOrInto(Span<ulong> scratch)
    {
        if (_shortIds is not null || _sourceIds is not null || _source is not { } source) return ShortIdSpan;
        var ids = scratch[.._sourceCount];
        _sourceKey.ShortIds(source.AsSpan(_sourceStart, _sourceCount), ids);
        return ids;
    }

    /// <summary>Short ids copied through the stream per call (a stack buffer of 6 × this).</summary>
    private const int ShortIdRun = 128;

    private const ulong ShortIdMask = (1UL << (8 * ShortIdKey.ShortIdLength)) - 1;

    public static void ReadWrite(ref WireStream s, ref CompactBlock value)
    {
        if (s.IsReading) value = new CompactBlock();
        s.Value(ref value.Header);
        s.UInt64(ref value.Nonce);

        int count = value.ShortIdCount;
        s.Count(ref count, MaxTransactions, ShortIdKey.ShortIdLength, "cmpctblock short ids");
        Span<ulong> read = default;
        if (s.IsReading)
        {
            var list = new List<ulong>(count);
            System.Runtime.InteropServices.CollectionsMarshal.SetCount(list, count);
            value.ShortIds = list;
            read = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list);
        }
        // When the bytes are only counted (the simulator sizing a message), the ids are not needed, nor hashed.
        bool fill = !s.IsReading && !s.IsCountingOnly;
        var written = fill ? value.ShortIdSpan : default; // FromBlock's array or the list
        // The 6-byte ids go through the stream a run at a time (the simulator sizes every cmpctblock it relays by
        // encoding it; thousands of 6-byte calls cost more than the copy).
        Span<byte> run = stackalloc byte[ShortIdRun * ShortIdKey.ShortIdLength + 2];
        for (int from = 0; from < count; from += ShortIdRun)
        {
            int n = Math.Min(ShortIdRun, count - from);
            var bytes = run[..(n * ShortIdKey.ShortIdLength)];
            if (fill)
                for (int i = 0; i < n; i++) // 8 bytes written, the next id's overwrites the 2 above the 48 used
                    System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(run[(i * ShortIdKey.ShortIdLength)..], written[from + i] & ShortIdMask);
            s.FixedBytes(bytes);
            if (s.IsReading)
            {
                run[bytes.Length..].Clear();
                for (int i = 0; i < n; i++)
                    read[from + i] = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(run[(i * ShortIdKey.ShortIdLength)..]) & ShortIdMask;
            }
        }

        int prefilled = value.Prefilled.Count;
        s.Count(ref prefilled, MaxTransactions - count, 1 + Transaction.MinEncodedSize, "cmpctblock prefilled transactions");
        if (s.IsReading) value.Prefilled = new List<PrefilledTransaction>(prefilled);
        int previous = -1;
        for (int i = 0; i < prefilled; i++)
        {
            var entry = s.IsReading ? default : value.Prefilled[i];
            int index = entry.Index;
            var tx = entry.Transaction ?? new Transaction();
            DifferentialIndex.ReadWrite(ref s, ref index, previous, "cmpctblock prefilled");
            s.Value(ref tx);
            previous = index;
            if (s.IsReading) value.Prefilled.Add(new PrefilledTransaction(index, tx));
        }
    }
}

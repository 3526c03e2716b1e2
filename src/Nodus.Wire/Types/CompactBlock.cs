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
        get => _shortIds ??= [.. _sourceIds ?? []];
        set => _shortIds = value;
    }

    /// <summary>The short ids without making the list (<see cref="FromBlock"/> keeps them in an array until the list
    /// is asked for): what the wire encoding and a rebuild read.</summary>
    public ReadOnlySpan<ulong> ShortIdSpan =>
        _shortIds is { } list ? System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list) : _sourceIds;

    private List<ulong>? _shortIds;

    // What FromBlock hashed: the block's wtxids after the coinbase (its witness memo's leaves, never changed), their
    // short ids under _sourceKey, and where they start in the array. A pure function's memo: SipHash under one key
    // gives the same id for the same wtxid, so a receiver in the same process whose candidates are these wtxids
    // reads their ids here instead of hashing them again (KnownShortIds). It stays right when ShortIds is replaced
    // or edited afterwards (the ids here are kept apart from the list), and is ignored once the key changed.
    private Hash256[]? _source;
    private int _sourceStart;
    private ulong[]? _sourceIds;
    private ShortIdKey _sourceKey;
    /// <summary>Prefilled transactions in ascending index order.</summary>
    public List<PrefilledTransaction> Prefilled = [];

    /// <summary>Transactions in the block the compact block describes.</summary>
    public int TransactionCount => ShortIdSpan.Length + Prefilled.Count;

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
        var ids = GC.AllocateUninitializedArray<ulong>(count); // every entry is written just below
        var key = compact.Key;
        key.ShortIds(source.AsSpan(start, count), ids);
        (compact._source, compact._sourceStart, compact._sourceIds, compact._sourceKey) = (source, start, ids, key);
        return compact;
    }

    /// <summary>
    /// The short ids under <see cref="Key"/> of <paramref name="wtxids"/> when they are, byte for byte, the wtxids this
    /// compact block was built from at <paramref name="at"/> (in block order after the coinbase): copied into
    /// <paramref name="shortIds"/> from the sender's own hashing, the very values SipHash gives. False when they are
    /// not (or the compact block did not come from <see cref="FromBlock"/> in this process): hash them.
    /// </summary>
    public bool KnownShortIds(ReadOnlySpan<Hash256> wtxids, int at, Span<ulong> shortIds)
    {
        if (_source is not { } source || _sourceIds is not { } ids || at < 0 || at > ids.Length - wtxids.Length) return false;
        var known = source.AsSpan(_sourceStart + at, wtxids.Length);
        if (!System.Runtime.InteropServices.MemoryMarshal.AsBytes(known).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(wtxids)))
            return false;
        if (Key != _sourceKey) return false; // header or nonce changed since: another key
        ids.AsSpan(at, wtxids.Length).CopyTo(shortIds);
        return true;
    }

    /// <summary>Short ids copied through the stream per call (a stack buffer of 6 × this).</summary>
    private const int ShortIdRun = 128;

    private const ulong ShortIdMask = (1UL << (8 * ShortIdKey.ShortIdLength)) - 1;

    public static void ReadWrite(ref WireStream s, ref CompactBlock value)
    {
        if (s.IsReading) value = new CompactBlock();
        s.Value(ref value.Header);
        s.UInt64(ref value.Nonce);

        int count = value.ShortIdSpan.Length;
        s.Count(ref count, MaxTransactions, ShortIdKey.ShortIdLength, "cmpctblock short ids");
        Span<ulong> read = default;
        if (s.IsReading)
        {
            var list = new List<ulong>(count);
            System.Runtime.InteropServices.CollectionsMarshal.SetCount(list, count);
            value.ShortIds = list;
            read = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list);
        }
        var written = s.IsReading ? default : value.ShortIdSpan; // FromBlock's array or the list
        // The 6-byte ids go through the stream a run at a time (the simulator sizes every cmpctblock it relays by
        // encoding it; thousands of 6-byte calls cost more than the copy).
        Span<byte> run = stackalloc byte[ShortIdRun * ShortIdKey.ShortIdLength + 2];
        for (int from = 0; from < count; from += ShortIdRun)
        {
            int n = Math.Min(ShortIdRun, count - from);
            var bytes = run[..(n * ShortIdKey.ShortIdLength)];
            if (!s.IsReading)
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

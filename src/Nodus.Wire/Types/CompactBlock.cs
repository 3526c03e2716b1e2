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
    public List<ulong> ShortIds = [];
    /// <summary>Prefilled transactions in ascending index order.</summary>
    public List<PrefilledTransaction> Prefilled = [];

    /// <summary>Transactions in the block the compact block describes.</summary>
    public int TransactionCount => ShortIds.Count + Prefilled.Count;

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
        int count = Math.Max(0, txs.Count - 1);
        var compact = new CompactBlock { Header = block.Header, Nonce = nonce, ShortIds = new List<ulong>(count) };
        if (txs.Count > 0) compact.Prefilled.Add(new PrefilledTransaction(0, txs[0]));
        // The wtxids come from the block's witness memo: a block object announced by many nodes of one process
        // (each with its own nonce) has them read from its transactions once.
        System.Runtime.InteropServices.CollectionsMarshal.SetCount(compact.ShortIds, count);
        compact.Key.ShortIds(block.WitnessIdsAfterCoinbase(), System.Runtime.InteropServices.CollectionsMarshal.AsSpan(compact.ShortIds));
        return compact;
    }

    /// <summary>Short ids copied through the stream per call (a stack buffer of 6 × this).</summary>
    private const int ShortIdRun = 128;

    private const ulong ShortIdMask = (1UL << (8 * ShortIdKey.ShortIdLength)) - 1;

    public static void ReadWrite(ref WireStream s, ref CompactBlock value)
    {
        if (s.IsReading) value = new CompactBlock();
        s.Value(ref value.Header);
        s.UInt64(ref value.Nonce);

        int count = value.ShortIds.Count;
        s.Count(ref count, MaxTransactions, ShortIdKey.ShortIdLength, "cmpctblock short ids");
        if (s.IsReading)
        {
            value.ShortIds = new List<ulong>(count);
            System.Runtime.InteropServices.CollectionsMarshal.SetCount(value.ShortIds, count);
        }
        // The 6-byte ids go through the stream a run at a time (the simulator sizes every cmpctblock it relays by
        // encoding it; thousands of 6-byte calls cost more than the copy).
        var ids = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(value.ShortIds);
        Span<byte> run = stackalloc byte[ShortIdRun * ShortIdKey.ShortIdLength + 2];
        for (int from = 0; from < count; from += ShortIdRun)
        {
            int n = Math.Min(ShortIdRun, count - from);
            var bytes = run[..(n * ShortIdKey.ShortIdLength)];
            if (!s.IsReading)
                for (int i = 0; i < n; i++) // 8 bytes written, the next id's overwrites the 2 above the 48 used
                    System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(run[(i * ShortIdKey.ShortIdLength)..], ids[from + i] & ShortIdMask);
            s.FixedBytes(bytes);
            if (s.IsReading)
            {
                run[bytes.Length..].Clear();
                for (int i = 0; i < n; i++)
                    ids[from + i] = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(run[(i * ShortIdKey.ShortIdLength)..]) & ShortIdMask;
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

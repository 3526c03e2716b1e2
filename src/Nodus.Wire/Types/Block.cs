using Nodus.Wire.Encoding;
using Nodus.Wire.Framing;

namespace Nodus.Wire.Types;

/// <summary>
/// A block: its 80-byte header and its transactions, the first of which is the coinbase.
/// <para>
/// A decoded block keeps the bytes of its transaction list as received and materializes <see cref="Transactions"/>
/// only when someone asks for them. Decoding still checks every transaction's encoding, so a malformed block is
/// refused by the codec; but a node that only checks the merkle root (<see cref="GetTransactionIds"/>), stores or
/// relays the block never builds thousands of objects: reading a 1 MB block allocates one copy of its bytes.
/// Like <see cref="List{T}"/>, a block is not safe to use from several threads at once (the first access to
/// <see cref="Transactions"/> changes its state).
/// </para>
/// </summary>
public sealed class Block : IWireValue<Block>
{
    public static int MinEncodedSize => BlockHeader.EncodedSize + 1;

    public BlockHeader Header;

    private List<Transaction>? _transactions = [];
    // Set only while the block is exactly as decoded: the transactions' bytes in chunks of whole transactions, and
    // where each transaction lies. Chunks stay below the large object heap, whose collections would cost more than
    // the decoding; few chunks rather than one array per transaction keep the collector's work small.
    private byte[][]? _chunks;
    private RawTransaction[]? _layouts;

    private readonly record struct RawTransaction(int Chunk, TransactionLayout Layout)
    {
        public ReadOnlySpan<byte> Bytes(byte[][] chunks) => chunks[Chunk].AsSpan(Layout.Start, Layout.End - Layout.Start);
    }

    /// <summary>Bytes per chunk of a decoded block: under the 85,000-byte large object threshold of the .NET GC.</summary>
    private const int ChunkSize = 64 * 1024;

    /// <summary>The transactions, decoded on first access. Once accessed, the list is the block's content.</summary>
    public List<Transaction> Transactions
    {
        get
        {
            if (_transactions is null) Materialize();
            return _transactions!;
        }
        set
        {
            _transactions = value;
            _chunks = null;
            _layouts = null;
        }
    }

    public int TransactionCount => _layouts?.Length ?? _transactions!.Count;

    public Hash256 GetHash() => Header.GetHash();

    public static void ReadWrite(ref WireStream s, ref Block value)
    {
        if (s.IsReading)
        {
            value = new Block();
            s.Value(ref value.Header);
            value.ReadTransactions(ref s);
            return;
        }
        s.Value(ref value.Header);
        if (value._chunks is { } chunks)
        {
            // As received: storing or relaying a block needs no re-encoding.
            int count = value._layouts!.Length;
            s.Count(ref count, MaxTransactions, Transaction.MinEncodedSize, "block transactions");
            foreach (var chunk in chunks) s.FixedBytes(chunk);
        }
        else
        {
            s.List(ref value._transactions!, MaxTransactions, "block transactions");
        }
    }

    /// <summary>Bounded by the payload limit, as each transaction takes at least 10 bytes.</summary>
    private const int MaxTransactions = MessageHeader.MaxPayloadLength;

    private void ReadTransactions(ref WireStream s)
    {
        int count = 0;
        s.Count(ref count, MaxTransactions, Transaction.MinEncodedSize, "block transactions");
        var layouts = new RawTransaction[count];
        var chunks = new List<byte[]>();
        int chunkStart = s.Position, first = 0;
        for (int i = 0; i < count; i++)
        {
            var layout = TransactionLayout.Read(ref s);
            if (layout.End - chunkStart > ChunkSize && i > first)
            {
                Cut(ref s, chunks, layouts, first, i, chunkStart, layout.Start);
                chunkStart = layout.Start;
                first = i;
            }
            layouts[i] = new RawTransaction(0, layout);
        }
        if (count > 0) Cut(ref s, chunks, layouts, first, count, chunkStart, s.Position);
        _chunks = [.. chunks];
        _layouts = layouts;
        _transactions = null;
    }

    /// <summary>Copies transactions [first, end) into a new chunk and makes their layouts relative to it.</summary>
    private static void Cut(ref WireStream s, List<byte[]> chunks, RawTransaction[] layouts, int first, int end, int from, int to)
    {
        // Uninitialized: every byte is overwritten at once, so zeroing 64 kB first would be wasted work.
        var chunk = GC.AllocateUninitializedArray<byte>(to - from);
        s.Consumed(from)[..(to - from)].CopyTo(chunk);
        chunks.Add(chunk);
        for (int i = first; i < end; i++)
        {
            var l = layouts[i].Layout;
            layouts[i] = new RawTransaction(chunks.Count - 1,
                new TransactionLayout(l.Start - from, l.End - from, l.HasWitness ? l.InputsOutputsEnd - from : -1));
        }
    }

    private void Materialize()
    {
        // Each transaction passed TransactionLayout's checks, which mirror the decoder's, so this cannot fail on input.
        var chunks = _chunks!;
        var list = new List<Transaction>(_layouts!.Length);
        foreach (var raw in _layouts) list.Add(Encoding.Wire.Decode<Transaction>(raw.Bytes(chunks)));
        _transactions = list;
        _chunks = null;
        _layouts = null;
    }

    /// <summary>The txid of every transaction; hashed straight from the received bytes when not yet materialized.</summary>
    public Hash256[] GetTransactionIds()
    {
        if (_chunks is { } chunks && _layouts is { } layouts)
        {
            var ids = new Hash256[layouts.Length];
            for (int i = 0; i < ids.Length; i++) ids[i] = layouts[i].Layout.TxId(chunks[layouts[i].Chunk]);
            return ids;
        }
        return [.. _transactions!.Select(t => t.GetHash())];
    }

    public byte[] Serialize() => Encoding.Wire.Encode(this);

    /// <summary>The merkle root of the transaction ids (Bitcoin's, including its duplicate-last-hash rule).</summary>
    public Hash256 ComputeMerkleRoot() => MerkleTree.Root(GetTransactionIds(), out _);

    /// <inheritdoc cref="ComputeMerkleRoot()"/>
    /// <param name="mutated">Set when the list has the CVE-2012-2459 duplicate pattern (see <see cref="MerkleTree"/>).</param>
    public Hash256 ComputeMerkleRoot(out bool mutated) => MerkleTree.Root(GetTransactionIds(), out mutated);
}

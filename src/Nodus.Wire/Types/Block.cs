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
    public Hash256 ComputeMerkleRoot() => ComputeMerkleRoot(out _);

    /// <inheritdoc cref="ComputeMerkleRoot()"/>
    /// <param name="mutated">Set when the list has the CVE-2012-2459 duplicate pattern (see <see cref="MerkleTree"/>).</param>
    public Hash256 ComputeMerkleRoot(out bool mutated)
    {
        var tree = TransactionTree();
        mutated = tree.Mutated;
        return tree.Root;
    }

    /// <summary>True when two transactions have the same txid (Bitcoin's bad-txns-duplicate, beyond the merkle pattern).</summary>
    public bool HasDuplicateTransactionIds() => TransactionTree().HasDuplicates;

    /// <summary>The BIP 141 witness merkle root: the wtxids, with the coinbase's counted as zero.</summary>
    public Hash256 ComputeWitnessMerkleRoot(out bool mutated)
    {
        var tree = WitnessTree();
        mutated = tree.Mutated;
        return tree.Root;
    }

    /// <summary>True when some transaction carries witness data (BIP 141's "unexpected-witness" without a
    /// commitment): the coinbase is looked at, the others are known from the witness memo.</summary>
    public bool AnyTransactionHasWitness()
    {
        var txs = Transactions;
        return (txs.Count > 0 && txs[0].HasWitness) || WitnessTree().AnyWitness;
    }

    /// <summary>The wtxids of the transactions after the coinbase, in order: the witness memo's leaves from
    /// <paramref name="count"/> entries at the returned start (an array never changed once made).</summary>
    internal (Hash256[] Leaves, int Start) WitnessIdsAfterCoinbase(out int count)
    {
        count = Math.Max(0, Transactions.Count - 1);
        return (WitnessTree().Leaves, 1);
    }

    private MerkleMemo WitnessTree()
    {
        var txs = Transactions;
        var tree = _wtxidTree;
        if (tree is null || !IsCurrent(tree, txs, witness: true, other: _txidTree))
        {
            long stamp = Transaction.Changes;
            var leaves = new Hash256[Math.Max(1, txs.Count)]; // [0] stays zero: the coinbase's wtxid is defined as zero
            bool anyWitness = false;
            for (int i = 1; i < txs.Count; i++)
            {
                leaves[i] = txs[i].GetWitnessHash();
                anyWitness |= txs[i].HasWitness;
            }
            _wtxidTree = tree = new MerkleMemo(leaves) { Source = SnapshotOf(txs, stamp, _txidTree), AnyWitness = anyWitness };
        }
        return tree;
    }

    // The last merkle computations, each kept with the leaves it was computed from: a block object handed to many
    // nodes in one process (the simulator gives every node the miner's object; a node checks a block it already
    // checked) hashes its trees once. A memo answers only while the block's current ids equal its leaves, so a
    // changed transaction list is recomputed; the ids themselves are cached per transaction (a changed transaction
    // needs Transaction.InvalidateHashes). Comparing ids is a memory compare, against thousands of SHA-256d for the
    // tree. Bitcoin Core keeps the same kind of memo on CBlock (fChecked, m_checked_merkle_root).
    private MerkleMemo? _txidTree, _wtxidTree;
    private TransactionMemo? _memo, _witnessMemo;

    private sealed record TransactionMemo(object Owner, object Value, MerkleMemo Tree);

    /// <summary>
    /// What <paramref name="owner"/> stored with <see cref="SetTransactionMemo"/> about this block's transactions, or
    /// null when the transaction ids have changed since (or another owner stored since). For results that depend on
    /// the transactions' legacy serialization alone — what the txids hash — such as per-transaction checks, so that
    /// a block checked again, or handed to many nodes in one process, is not walked again.
    /// </summary>
    public object? GetTransactionMemo(object owner) =>
        _memo is { } m && ReferenceEquals(m.Owner, owner) && ReferenceEquals(m.Tree, TransactionTree()) ? m.Value : null;

    /// <inheritdoc cref="GetTransactionMemo"/>
    public void SetTransactionMemo(object owner, object value) => _memo = new TransactionMemo(owner, value, TransactionTree());

    /// <summary>
    /// What CheckBlock needs to know about the transaction ids, from one comparison of the current ids with the
    /// memoised tree (rather than one per question): the merkle root, its CVE-2012-2459 mutation, whether any txid
    /// repeats, and what <paramref name="owner"/> stored (<see cref="GetTransactionMemo"/>).
    /// </summary>
    public TransactionIdFacts InspectTransactionIds(object owner)
    {
        var tree = TransactionTree();
        var memo = _memo is { } m && ReferenceEquals(m.Owner, owner) && ReferenceEquals(m.Tree, tree) ? m.Value : null;
        // A materialized list was just found to hold the snapshot's objects (a decoded one was compared by its ids).
        return new TransactionIdFacts(this, tree, owner, memo, _transactions is not null ? tree.Source : null);
    }

    /// <summary>The answer of <see cref="InspectTransactionIds"/>; valid while the block's transactions do not change.</summary>
    public readonly struct TransactionIdFacts
    {
        private readonly Block _block;
        private readonly MerkleMemo _tree;
        private readonly object _owner;

        private readonly TransactionSnapshot? _verified;

        internal TransactionIdFacts(Block block, MerkleMemo tree, object owner, object? memo, TransactionSnapshot? verified)
        {
            _block = block;
            _tree = tree;
            _owner = owner;
            Memo = memo;
            _verified = verified;
        }

        /// <summary>
        /// <see cref="Block.InspectWitnessIds"/> for the same, unchanged transactions: when the witness memo was made
        /// from the very objects these facts found in the list (one shared snapshot, no transaction changed since),
        /// it is current without comparing the list again.
        /// </summary>
        public WitnessIdFacts InspectWitnessIds(object owner) =>
            _verified is { } verified && _block._wtxidTree is { } w && ReferenceEquals(w.Source, verified) && verified.Stamp == Transaction.Changes
                ? _block.WitnessFacts(w, owner)
                : _block.InspectWitnessIds(owner);

        public Hash256 MerkleRoot => _tree.Root;
        public bool Mutated => _tree.Mutated;
        /// <summary>True when two transactions have the same txid (Bitcoin's bad-txns-duplicate, beyond the merkle pattern).</summary>
        public bool HasDuplicates => _tree.HasDuplicates;
        /// <summary>What the owner stored for these ids, or null.</summary>
        public object? Memo { get; }

        /// <summary>Stores the owner's value for the ids inspected (a memo of ids that have changed since is never returned).</summary>
        public void Remember(object value) => _block._memo = new TransactionMemo(_owner, value, _tree);
    }

    /// <summary>
    /// What the contextual checks need to know about the wtxids, from one comparison of the current transactions with
    /// the memoised witness tree: the witness merkle root, whether a transaction after the coinbase has witness data,
    /// and what <paramref name="owner"/> stored for these wtxids — results that depend on the full serialization of the
    /// transactions after the coinbase (what their wtxids hash), such as their weight. The coinbase is not covered.
    /// </summary>
    public WitnessIdFacts InspectWitnessIds(object owner) => WitnessFacts(WitnessTree(), owner);

    private WitnessIdFacts WitnessFacts(MerkleMemo tree, object owner)
    {
        var memo = _witnessMemo is { } m && ReferenceEquals(m.Owner, owner) && ReferenceEquals(m.Tree, tree) ? m.Value : null;
        return new WitnessIdFacts(this, tree, owner, memo);
    }

    /// <summary>The answer of <see cref="InspectWitnessIds"/>; valid while the block's transactions do not change.</summary>
    public readonly struct WitnessIdFacts
    {
        private readonly Block _block;
        private readonly MerkleMemo _tree;
        private readonly object _owner;

        internal WitnessIdFacts(Block block, MerkleMemo tree, object owner, object? memo)
        {
            _block = block;
            _tree = tree;
            _owner = owner;
            Memo = memo;
        }

        /// <summary>The BIP 141 witness merkle root (the coinbase's wtxid counted as zero).</summary>
        public Hash256 MerkleRoot => _tree.Root;
        /// <summary>Some transaction after the coinbase carries witness data.</summary>
        public bool AnyWitnessAfterCoinbase => _tree.AnyWitness;
        /// <summary>What the owner stored for these wtxids, or null.</summary>
        public object? Memo { get; }

        /// <summary>Stores the owner's value for the wtxids inspected (never returned once they have changed).</summary>
        public void Remember(object value) => _block._witnessMemo = new TransactionMemo(_owner, value, _tree);
    }

    private MerkleMemo TransactionTree()
    {
        var tree = _txidTree;
        if (_transactions is { } txs)
        {
            if (tree is not null && IsCurrent(tree, txs, witness: false, other: _wtxidTree)) return tree;
            long stamp = Transaction.Changes;
            return _txidTree = new MerkleMemo(GetTransactionIds()) { Source = SnapshotOf(txs, stamp, _wtxidTree) };
        }
        var ids = GetTransactionIds(); // hashed from the received bytes: that is the cost; the tree is still saved
        if (tree is not null && tree.Matches(ids)) return tree;
        return _txidTree = new MerkleMemo(ids);
    }

    /// <summary>
    /// Whether a memo still describes the list: cheaply when it holds the very transaction objects it was computed
    /// from and no transaction anywhere has been changed since (<see cref="Transaction.InvalidateHashes"/>, which a
    /// change requires, counts changes), else by comparing every id with its leaves (and then noting the objects).
    /// </summary>
    private static bool IsCurrent(MerkleMemo tree, List<Transaction> txs, bool witness, MerkleMemo? other)
    {
        if (tree.Source is { } source && source.Stamp == Transaction.Changes && source.Holds(txs)) return true;
        long stamp = Transaction.Changes; // read first: a change while comparing leaves the stamp behind
        if (!Matches(tree.Leaves, txs, witness)) return false;
        tree.Source = SnapshotOf(txs, stamp, other);
        return true;
    }

    /// <summary>A snapshot of the list at <paramref name="stamp"/>: the other memo's when it holds the same objects, so
    /// that both memos share one (see <see cref="TransactionIdFacts.InspectWitnessIds"/>).</summary>
    private static TransactionSnapshot SnapshotOf(List<Transaction> txs, long stamp, MerkleMemo? other) =>
        other?.Source is { } shared && shared.Stamp == stamp && shared.Holds(txs) ? shared : new TransactionSnapshot([.. txs], stamp);

    private static bool Matches(Hash256[] leaves, List<Transaction> txs, bool witness)
    {
        if (leaves.Length != Math.Max(witness ? 1 : 0, txs.Count)) return false;
        for (int i = witness ? 1 : 0; i < txs.Count; i++)
            if ((witness ? txs[i].GetWitnessHash() : txs[i].GetHash()) != leaves[i]) return false;
        return true;
    }
}

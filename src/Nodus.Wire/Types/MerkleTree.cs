using Nodus.Wire.Encoding;

namespace Nodus.Wire.Types;

/// <summary>Bitcoin's merkle tree over transaction ids.</summary>
public static class MerkleTree
{
    /// <summary>
    /// The root; <paramref name="mutated"/> is set when two equal hashes are paired at some level, the
    /// CVE-2012-2459 pattern by which two different transaction lists give the same root.
    /// </summary>
    public static Hash256 Root(IReadOnlyList<Hash256> leaves, out bool mutated)
    {
        mutated = false;
        if (leaves.Count == 0) return Hash256.Zero;
        var level = leaves.ToArray();
        Span<byte> pair = stackalloc byte[64];
        int count = level.Length;
        while (count > 1)
        {
            int next = 0;
            for (int i = 0; i < count; i += 2)
            {
                var left = level[i];
                var right = i + 1 < count ? level[i + 1] : left;
                if (i + 1 < count && left == right) mutated = true;
                left.CopyTo(pair);
                right.CopyTo(pair[32..]);
                level[next++] = Sha256d.Hash(pair);
            }
            count = next;
        }
        return level[0];
    }
}

/// <summary>
/// One merkle computation kept with the leaves it was computed from (see <see cref="Block.ComputeMerkleRoot(out bool)"/>):
/// immutable once built, so a reader on another thread sees either a whole memo or none.
/// </summary>
internal sealed class MerkleMemo
{
    public MerkleMemo(Hash256[] leaves)
    {
        Leaves = leaves;
        Root = MerkleTree.Root(leaves, out Mutated);
    }

    public readonly Hash256[] Leaves;
    public readonly Hash256 Root;
    public readonly bool Mutated;
    private int _duplicates = -1; // -1 not yet known; an int store is atomic, so a race only repeats the work

    /// <summary>True when some leaf occurs twice (anywhere, not only in the CVE-2012-2459 pattern).</summary>
    public bool HasDuplicates
    {
        get
        {
            if (_duplicates < 0) _duplicates = new HashSet<Hash256>(Leaves).Count != Leaves.Length ? 1 : 0;
            return _duplicates == 1;
        }
    }

    public bool Matches(ReadOnlySpan<Hash256> leaves) => leaves.SequenceEqual(Leaves);

    /// <summary>For a wtxid tree: some transaction after the coinbase has witness data (its wtxid is not its txid).</summary>
    public bool AnyWitness { get; init; }

    /// <summary>The transaction objects the leaves were last found to be the ids of (one reference: set atomically).</summary>
    public TransactionSnapshot? Source;
}

/// <summary>
/// The transaction objects of a block's list at one moment, with <see cref="Transaction.Changes"/> read before their
/// ids were: while both still hold, the ids are the same without reading any transaction.
/// </summary>
internal sealed class TransactionSnapshot(Transaction[] transactions, long stamp)
{
    public long Stamp { get; } = stamp;

    /// <summary>The list holds exactly these objects, in this order.</summary>
    public bool Holds(List<Transaction> txs)
    {
        var current = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(txs);
        if (current.Length != transactions.Length) return false;
        for (int i = 0; i < current.Length; i++)
            if (!ReferenceEquals(current[i], transactions[i])) return false;
        return true;
    }
}

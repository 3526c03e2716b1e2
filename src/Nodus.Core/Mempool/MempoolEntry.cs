using Nodus.Wire.Encoding;
using Nodus.Wire.Types;

namespace Nodus.Core.Mempool;

/// <summary>A transaction held in the mempool, with its size and when it entered (for getrawmempool verbose).</summary>
public sealed class MempoolEntry
{
    internal MempoolEntry(Transaction tx, int size, long time)
    {
        Transaction = tx;
        Txid = tx.GetHash();
        Size = size;
        Time = time;
    }

    public Transaction Transaction { get; }
    public Hash256 Txid { get; }
    /// <summary>Serialized size with witness, in bytes: what the byte limit and block assembly count.</summary>
    public int Size { get; }
    public long Time { get; }

    internal LinkedListNode<MempoolEntry>? Node;
}

using Nodus.Wire.Encoding;

namespace Nodus.Wire.Types;

/// <summary>BIP 152 BlockTransactionsRequest: the block hash and the ascending indexes of the transactions wanted.</summary>
public sealed class BlockTransactionsRequest : IWireValue<BlockTransactionsRequest>
{
    /// <summary>Distinct ascending 16-bit indexes: at most 65,536 of them (Bitcoin Core's uint16_t indexes).</summary>
    public const int MaxIndexes = DifferentialIndex.MaxIndex + 1;

    public static int MinEncodedSize => Hash256.Size + 1;

    public Hash256 BlockHash;
    public List<int> Indexes = [];

    public static void ReadWrite(ref WireStream s, ref BlockTransactionsRequest value)
    {
        if (s.IsReading) value = new BlockTransactionsRequest();
        s.Hash(ref value.BlockHash);
        int count = value.Indexes.Count;
        s.Count(ref count, MaxIndexes, 1, "getblocktxn indexes");
        if (s.IsReading) value.Indexes = new List<int>(count);
        int previous = -1;
        for (int i = 0; i < count; i++)
        {
            int index = s.IsReading ? 0 : value.Indexes[i];
            DifferentialIndex.ReadWrite(ref s, ref index, previous, "getblocktxn");
            previous = index;
            if (s.IsReading) value.Indexes.Add(index);
        }
    }
}

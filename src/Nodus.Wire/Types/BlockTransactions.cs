using Nodus.Wire.Encoding;

namespace Nodus.Wire.Types;

/// <summary>BIP 152 BlockTransactions: the block hash and the transactions a getblocktxn asked for, in its order.</summary>
public sealed class BlockTransactions : IWireValue<BlockTransactions>
{
    public static int MinEncodedSize => Hash256.Size + 1;

    public Hash256 BlockHash;
    public List<Transaction> Transactions = [];

    public static void ReadWrite(ref WireStream s, ref BlockTransactions value)
    {
        if (s.IsReading) value = new BlockTransactions();
        s.Hash(ref value.BlockHash);
        s.List(ref value.Transactions, CompactBlock.MaxTransactions, "blocktxn transactions");
    }
}

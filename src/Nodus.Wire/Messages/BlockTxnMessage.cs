using Nodus.Wire.Encoding;
using Nodus.Wire.Types;

namespace Nodus.Wire.Messages;

/// <summary>blocktxn (BIP 152): the transactions a getblocktxn asked for.</summary>
public sealed class BlockTxnMessage : IMessage
{
    public const string CommandName = "blocktxn";

    public BlockTransactions Transactions;

    public BlockTxnMessage() => Transactions = new(); // not a field initializer: that would also run, for nothing, before the constructor below
    public BlockTxnMessage(BlockTransactions transactions) => Transactions = transactions;

    public string Command => CommandName;
    public void ReadWrite(ref WireStream s) => s.Value(ref Transactions);
}

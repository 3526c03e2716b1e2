using Nodus.Wire.Encoding;
using Nodus.Wire.Types;

namespace Nodus.Wire.Messages;

/// <summary>getblocktxn (BIP 152): asks for the transactions of a compact block that the receiver could not find.</summary>
public sealed class GetBlockTxnMessage : IMessage
{
    public const string CommandName = "getblocktxn";

    public BlockTransactionsRequest Request;

    public GetBlockTxnMessage() => Request = new(); // not a field initializer: that would also run, for nothing, before the constructor below
    public GetBlockTxnMessage(BlockTransactionsRequest request) => Request = request;

    public string Command => CommandName;
    public void ReadWrite(ref WireStream s) => s.Value(ref Request);
}

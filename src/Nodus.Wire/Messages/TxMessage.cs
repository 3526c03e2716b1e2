using Nodus.Wire.Encoding;
using Nodus.Wire.Types;

namespace Nodus.Wire.Messages;

/// <summary>tx: one transaction, in witness serialization when it has witness data (BIP 144).</summary>
public sealed class TxMessage : IMessage
{
    public const string CommandName = "tx";

    public Transaction Transaction;

    public TxMessage() => Transaction = new(); // not a field initializer: that would also run, for nothing, before the constructor below
    public TxMessage(Transaction transaction) => Transaction = transaction;

    public string Command => CommandName;
    public void ReadWrite(ref WireStream s) => s.Value(ref Transaction);
}

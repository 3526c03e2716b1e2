using Nodus.Wire.Encoding;
using Nodus.Wire.Types;

namespace Nodus.Wire.Messages;

/// <summary>
/// dandeliontx (BIP 156): a transaction in the Dandelion stem phase, pushed to the one stem relay, with the same
/// payload as tx. We push it directly instead of announcing it with BIP 156's inv type 5, because type 5 is
/// MSG_WTX in BIP 339 (wtxid relay) and would be misread by current Bitcoin nodes; a peer that does not know this
/// command skips it as unknown, and the sender's embargo timer then fluffs the transaction.
/// </summary>
public sealed class DandelionTxMessage : IMessage
{
    public const string CommandName = "dandeliontx";

    public Transaction Transaction;

    public DandelionTxMessage() => Transaction = new(); // not a field initializer: that would also run, for nothing, before the constructor below
    public DandelionTxMessage(Transaction transaction) => Transaction = transaction;

    public string Command => CommandName;
    public void ReadWrite(ref WireStream s) => s.Value(ref Transaction);
}

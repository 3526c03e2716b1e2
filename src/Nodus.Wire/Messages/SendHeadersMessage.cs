using Nodus.Wire.Encoding;

namespace Nodus.Wire.Messages;

/// <summary>sendheaders (BIP 130): asks the peer to announce new blocks with headers instead of inv. Empty payload.</summary>
public sealed class SendHeadersMessage : IMessage
{
    public const string CommandName = "sendheaders";
    public string Command => CommandName;
    public void ReadWrite(ref WireStream s) { }
}

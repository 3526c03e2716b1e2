using Nodus.Wire.Encoding;

namespace Nodus.Wire.Messages;

/// <summary>getaddr: asks the peer for addresses from its address book; answered with addr messages. Empty payload.</summary>
public sealed class GetAddrMessage : IMessage
{
    public const string CommandName = "getaddr";
    public string Command => CommandName;
    public void ReadWrite(ref WireStream s) { }
}

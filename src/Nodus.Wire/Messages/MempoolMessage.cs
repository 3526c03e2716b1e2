using Nodus.Wire.Encoding;

namespace Nodus.Wire.Messages;

/// <summary>mempool (BIP 35): asks the peer to announce the transactions in its mempool with inv. Empty payload.</summary>
public sealed class MempoolMessage : IMessage
{
    public const string CommandName = "mempool";
    public string Command => CommandName;
    public void ReadWrite(ref WireStream s) { }
}

using Nodus.Wire.Encoding;

namespace Nodus.Wire.Messages;

/// <summary>pong: the answer to a ping, echoing its nonce (BIP 31).</summary>
public sealed class PongMessage : IMessage
{
    public const string CommandName = "pong";
    public ulong Nonce;

    public PongMessage() { }
    public PongMessage(ulong nonce) => Nonce = nonce;

    public string Command => CommandName;
    public void ReadWrite(ref WireStream s) => s.UInt64(ref Nonce);
}

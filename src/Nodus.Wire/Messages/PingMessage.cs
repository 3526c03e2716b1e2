using Nodus.Wire.Encoding;

namespace Nodus.Wire.Messages;

/// <summary>ping: keep-alive carrying a random nonce that the pong must echo (BIP 31).</summary>
public sealed class PingMessage : IMessage
{
    public const string CommandName = "ping";
    public ulong Nonce;

    public PingMessage() { }
    public PingMessage(ulong nonce) => Nonce = nonce;

    public string Command => CommandName;
    public void ReadWrite(ref WireStream s) => s.UInt64(ref Nonce);
}

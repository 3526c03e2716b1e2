using Nodus.Wire.Encoding;

namespace Nodus.Wire.Messages;

/// <summary>verack: acknowledges the peer's version. Empty payload.</summary>
public sealed class VerackMessage : IMessage
{
    public const string CommandName = "verack";
    public string Command => CommandName;
    public void ReadWrite(ref WireStream s) { }
}

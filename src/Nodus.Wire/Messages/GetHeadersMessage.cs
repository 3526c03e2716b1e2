using Nodus.Wire.Encoding;
using Nodus.Wire.Types;

namespace Nodus.Wire.Messages;

/// <summary>getheaders: asks for the headers after the last locator hash the receiver knows, up to the stop hash.</summary>
public sealed class GetHeadersMessage : IMessage
{
    public const string CommandName = "getheaders";

    /// <summary>The sender's protocol version (Bitcoin Core writes it and ignores it on receipt).</summary>
    public uint Version;
    public BlockLocator Locator = new();
    /// <summary>The last block wanted; zero means "as many as the reply allows".</summary>
    public Hash256 HashStop;

    public GetHeadersMessage() { }
    public GetHeadersMessage(uint version, BlockLocator locator, Hash256 hashStop)
    {
        Version = version;
        Locator = locator;
        HashStop = hashStop;
    }

    public string Command => CommandName;

    public void ReadWrite(ref WireStream s)
    {
        s.UInt32(ref Version);
        s.Value(ref Locator);
        s.Hash(ref HashStop);
    }
}

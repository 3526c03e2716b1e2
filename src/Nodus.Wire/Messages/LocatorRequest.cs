using Nodus.Wire.Encoding;
using Nodus.Wire.Types;

namespace Nodus.Wire.Messages;

/// <summary>
/// The payload getblocks and getheaders share: the sender's protocol version, a block locator and a stop hash. One
/// ReadWrite for both, since Bitcoin defines them byte for byte alike and only the reply differs.
/// </summary>
public abstract class LocatorRequest : IMessage
{
    /// <summary>The sender's protocol version (Bitcoin Core writes it and ignores it on receipt).</summary>
    public uint Version;
    public BlockLocator Locator;
    /// <summary>The last block wanted; zero means "as many as the reply allows".</summary>
    public Hash256 HashStop;

    protected LocatorRequest() => Locator = new(); // not a field initializer: that would also run before the constructor below

    protected LocatorRequest(uint version, BlockLocator locator, Hash256 hashStop)
    {
        Version = version;
        Locator = locator;
        HashStop = hashStop;
    }

    public abstract string Command { get; }

    public void ReadWrite(ref WireStream s)
    {
        s.UInt32(ref Version);
        s.Value(ref Locator);
        s.Hash(ref HashStop);
    }
}

using Nodus.Wire.Encoding;

namespace Nodus.Wire.Types;

/// <summary>
/// A block locator: hashes of the sender's chain from its tip back to genesis, dense near the tip and exponentially
/// sparser further back, so that the receiver can find the last block both chains share (getblocks, getheaders).
/// </summary>
public sealed class BlockLocator : IWireValue<BlockLocator>
{
    /// <summary>Bitcoin Core's MAX_LOCATOR_SZ (net_processing.cpp): a longer locator is a protocol violation.</summary>
    public const int MaxHashes = 101;

    public static int MinEncodedSize => 1;

    public List<Hash256> Hashes = [];

    public BlockLocator() { }
    public BlockLocator(IEnumerable<Hash256> hashes) => Hashes = [.. hashes];

    public static void ReadWrite(ref WireStream s, ref BlockLocator value)
    {
        if (s.IsReading) value = new BlockLocator();
        s.List(ref value.Hashes, MaxHashes, "block locator");
    }
}

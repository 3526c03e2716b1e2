using Nodus.Wire.Encoding;
using Nodus.Wire.Types;

namespace Nodus.Wire.Messages;

/// <summary>
/// headers: block headers in chain order, the reply to getheaders. Each header is followed by a transaction count,
/// a relic of the block format, which must be zero as in Bitcoin Core.
/// </summary>
public sealed class HeadersMessage : IMessage
{
    public const string CommandName = "headers";

    /// <summary>Bitcoin Core's MAX_HEADERS_RESULTS (net_processing.cpp).</summary>
    public const int MaxHeaders = 2_000;

    /// <summary>The 80-byte header and a one-byte zero transaction count.</summary>
    private const int EntrySize = BlockHeader.EncodedSize + 1;

    public List<BlockHeader> Headers;

    public HeadersMessage() => Headers = []; // not a field initializer: that would also run, for nothing, before the constructor below
    public HeadersMessage(IEnumerable<BlockHeader> headers) => Headers = [.. headers];

    public string Command => CommandName;

    /// <summary>The encoded payload's length for <paramref name="count"/> headers, without encoding them: the
    /// simulator sizes every announcement it delivers (a new message per peer) and encoding each was its main cost.</summary>
    public static int PayloadSize(int count) => WireStream.CompactSizeLength((ulong)count) + count * EntrySize;

    public void ReadWrite(ref WireStream s)
    {
        int count = Headers.Count;
        s.Count(ref count, MaxHeaders, EntrySize, "headers");
        if (s.IsReading) Headers = new List<BlockHeader>(count);
        for (int i = 0; i < count; i++)
        {
            BlockHeader header = s.IsReading ? default : Headers[i];
            s.Value(ref header);
            ulong txCount = 0;
            s.CompactSize(ref txCount);
            if (txCount != 0) throw new WireFormatException($"headers: entry {i} has transaction count {txCount}, must be 0");
            if (s.IsReading) Headers.Add(header);
        }
    }
}

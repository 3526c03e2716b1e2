namespace Nodus.Wire.Encoding;

/// <summary>
/// Thrown by the codec when bytes do not form a valid encoding: truncated data, a count above its limit,
/// a non-canonical CompactSize, trailing bytes. It is the only exception the decoders raise; the frame reader
/// turns it into a protocol error so that a bad message closes one connection, never the node.
/// </summary>
public sealed class WireFormatException : Exception
{
    public WireFormatException(string message) : base(message) { }
}

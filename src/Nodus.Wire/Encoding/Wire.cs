using System.Buffers;

namespace Nodus.Wire.Encoding;

/// <summary>Entry points to encode and decode any <see cref="IWireValue{T}"/>.</summary>
public static class Wire
{
    public static byte[] Encode<T>(T value) where T : IWireValue<T>
    {
        var buffer = new ArrayBufferWriter<byte>();
        var s = WireStream.ForWriting(buffer);
        T.ReadWrite(ref s, ref value);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes exactly one value that fills <paramref name="bytes"/>; throws <see cref="WireFormatException"/>.</summary>
    public static T Decode<T>(ReadOnlySpan<byte> bytes) where T : IWireValue<T>
    {
        var s = WireStream.ForReading(bytes);
        T value = default!;
        T.ReadWrite(ref s, ref value);
        s.EnsureEnd(typeof(T).Name);
        return value;
    }
}

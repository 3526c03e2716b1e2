using System.Buffers;
using Nodus.Wire.Encoding;
using Nodus.Wire.Messages;

namespace Nodus.Wire.Framing;

/// <summary>Writes a whole frame (header and payload) for a message.</summary>
public static class FrameWriter
{
    /// <summary>Encodes <paramref name="message"/> as a frame into a new array.</summary>
    public static byte[] Serialize(uint magic, IMessage message)
    {
        // The payload is encoded once, behind room for the header, and copied once into the result.
        var buffer = Encode(message);
        var frame = buffer.WrittenSpan.ToArray();
        WriteHeader(frame, magic, message);
        return frame;
    }

    /// <summary>Writes the frame to <paramref name="output"/> and returns its size in bytes.</summary>
    public static int Write(IBufferWriter<byte> output, uint magic, IMessage message)
    {
        var buffer = Encode(message);
        int size = buffer.WrittenCount;
        var destination = output.GetSpan(size)[..size];
        buffer.WrittenSpan.CopyTo(destination);
        WriteHeader(destination, magic, message);
        output.Advance(size);
        return size;
    }

    private static ArrayBufferWriter<byte> Encode(IMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        buffer.GetSpan(MessageHeader.Size);
        buffer.Advance(MessageHeader.Size);
        var s = WireStream.ForWriting(buffer);
        message.ReadWrite(ref s);
        int length = buffer.WrittenCount - MessageHeader.Size;
        if (length > MessageHeader.MaxPayloadLength)
            throw new WireFormatException($"{message.Command}: payload of {length} bytes exceeds {MessageHeader.MaxPayloadLength}");
        return buffer;
    }

    private static void WriteHeader(Span<byte> frame, uint magic, IMessage message)
    {
        var payload = frame[MessageHeader.Size..];
        MessageHeader.Write(frame, magic, message.Command, payload.Length, Sha256d.Checksum(payload));
    }
}

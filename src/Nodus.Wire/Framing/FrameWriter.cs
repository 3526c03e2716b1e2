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
        var payload = MessageCodec.EncodePayload(message);
        var frame = new byte[MessageHeader.Size + payload.Length];
        MessageHeader.Write(frame, magic, message.Command, payload.Length, Sha256d.Checksum(payload));
        payload.CopyTo(frame.AsSpan(MessageHeader.Size));
        return frame;
    }

    /// <summary>Writes the frame to <paramref name="output"/> and returns its size in bytes.</summary>
    public static int Write(IBufferWriter<byte> output, uint magic, IMessage message)
    {
        var frame = Serialize(magic, message);
        output.Write(frame);
        return frame.Length;
    }
}

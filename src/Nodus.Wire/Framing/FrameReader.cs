using System.Buffers;
using System.Buffers.Binary;
using Nodus.Wire.Encoding;
using Nodus.Wire.Messages;

namespace Nodus.Wire.Framing;

public enum ReadStatus
{
    /// <summary>The buffer holds no complete frame yet; read more bytes and call again.</summary>
    NeedMoreData,
    /// <summary>A message was decoded.</summary>
    Message,
    /// <summary>A well-framed message with a command we do not know; skipped as Bitcoin Core does.</summary>
    UnknownCommand,
    /// <summary>A protocol error: the connection must be closed. <see cref="FrameResult.Error"/> says why.</summary>
    Error,
}

/// <param name="WireSize">Header plus payload bytes consumed.</param>
public readonly record struct FrameResult(ReadStatus Status, IMessage? Message, string? Command, int WireSize, string? Error)
{
    public static readonly FrameResult NeedMore = new(ReadStatus.NeedMoreData, null, null, 0, null);
    public static FrameResult Fail(string error) => new(ReadStatus.Error, null, null, 0, error);
}

/// <summary>
/// The frame reader both runtimes call: a pure function over a <see cref="ReadOnlySequence{T}"/> (Kestrel's
/// Http2FrameReader shape). It checks the magic, the command and the declared length from the header alone, so an
/// oversized length is refused before a byte of its payload is buffered; then the checksum; then decodes.
/// </summary>
public static class FrameReader
{
    /// <summary>
    /// Tries to read one message from the start of <paramref name="buffer"/>. On Message or UnknownCommand the buffer
    /// is sliced past the frame; on NeedMoreData and Error it is left as it was.
    /// </summary>
    public static FrameResult TryRead(ref ReadOnlySequence<byte> buffer, uint magic, int maxPayload = MessageHeader.MaxPayloadLength)
    {
        if (buffer.Length < MessageHeader.Size) return FrameResult.NeedMore;

        Span<byte> header = stackalloc byte[MessageHeader.Size];
        buffer.Slice(0, MessageHeader.Size).CopyTo(header);

        uint frameMagic = BinaryPrimitives.ReadUInt32LittleEndian(header);
        if (frameMagic != magic) return FrameResult.Fail($"wrong network magic {frameMagic:x8}");
        string? command = MessageHeader.ParseCommand(header.Slice(4, MessageHeader.CommandSize));
        if (command is null) return FrameResult.Fail("invalid command field in header");
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(header[16..]);
        if (length > (uint)maxPayload) return FrameResult.Fail($"payload length {length} exceeds limit {maxPayload} ({command})");
        uint checksum = BinaryPrimitives.ReadUInt32LittleEndian(header[20..]);

        long total = MessageHeader.Size + (long)length;
        if (buffer.Length < total) return FrameResult.NeedMore;

        var payload = buffer.Slice(MessageHeader.Size, length);
        if (Sha256d.Checksum(payload) != checksum) return FrameResult.Fail($"bad checksum ({command})");

        var decoded = MessageCodec.Decode(command, payload);
        if (decoded.Status == ReadStatus.Error) return decoded;
        buffer = buffer.Slice(total);
        return decoded with { WireSize = (int)total };
    }
}

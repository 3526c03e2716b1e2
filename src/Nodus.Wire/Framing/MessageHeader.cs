using System.Buffers.Binary;

namespace Nodus.Wire.Framing;

/// <summary>
/// The 24-byte header that precedes every payload: 4-byte network magic (the "start string"), 12-byte NUL-padded
/// ASCII command, little-endian payload length, and checksum (first 4 bytes of SHA-256d of the payload).
/// </summary>
public static class MessageHeader
{
    public const int Size = 24;
    public const int CommandSize = 12;

    /// <summary>Largest payload a peer may send (Bitcoin Core's MAX_PROTOCOL_MESSAGE_LENGTH, DESIGN.md).</summary>
    public const int MaxPayloadLength = 4_000_000;

    public static void Write(Span<byte> destination, uint magic, string command, int length, uint checksum)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, magic);
        var cmd = destination.Slice(4, CommandSize);
        cmd.Clear();
        if (command.Length > CommandSize) throw new ArgumentException($"command '{command}' longer than 12 bytes");
        for (int i = 0; i < command.Length; i++) cmd[i] = (byte)command[i];
        BinaryPrimitives.WriteInt32LittleEndian(destination[16..], length);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[20..], checksum);
    }

    /// <summary>
    /// Parses the command field: printable ASCII followed only by NUL padding, as Bitcoin Core's
    /// CMessageHeader::IsCommandValid requires. Returns null when the field is invalid.
    /// </summary>
    public static string? ParseCommand(ReadOnlySpan<byte> field)
    {
        int end = field.IndexOf((byte)0);
        if (end < 0) end = field.Length;
        for (int i = end; i < field.Length; i++)
            if (field[i] != 0) return null;
        for (int i = 0; i < end; i++)
            if (field[i] < 0x20 || field[i] > 0x7e) return null;
        return CommandNames.Intern(field[..end]);
    }
}

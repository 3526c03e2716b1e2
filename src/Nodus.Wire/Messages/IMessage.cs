using Nodus.Wire.Encoding;

namespace Nodus.Wire.Messages;

/// <summary>
/// A P2P message payload. One class per message, one <see cref="ReadWrite"/> method for both directions, so the
/// encoder and the decoder cannot drift apart. Decoding enforces the message's own entry limits as it goes.
/// </summary>
public interface IMessage
{
    /// <summary>The command name in the header (ASCII, at most 12 bytes).</summary>
    string Command { get; }

    void ReadWrite(ref WireStream s);
}

using Nodus.Wire.Encoding;
using Nodus.Wire.Types;

namespace Nodus.Wire.Messages;

/// <summary>
/// version: the first message of a connection. Carries the protocol version, services, time, the receiver's and
/// sender's addresses, a nonce that detects a connection to oneself, the user agent, the start height and (BIP 37)
/// whether the peer wants transactions relayed.
/// </summary>
public sealed class VersionMessage : IMessage
{
    public const string CommandName = "version";

    /// <summary>Bitcoin Core's MAX_SUBVERSION_LENGTH.</summary>
    public const int MaxUserAgentLength = 256;

    public int Version;
    public ulong Services;
    public long Timestamp;
    public NetAddress Receiver;
    public NetAddress Sender;
    public ulong Nonce;
    public string UserAgent = "";
    public int StartHeight;
    public bool Relay = true;

    public string Command => CommandName;

    public void ReadWrite(ref WireStream s)
    {
        s.Int32(ref Version);
        s.UInt64(ref Services);
        s.Int64(ref Timestamp);
        s.Value(ref Receiver);
        // Fields after addr_recv were added over time; like Bitcoin Core (ProcessMessage "version") we read each
        // group only when bytes remain, and default the relay flag to true when it is absent (BIP 37).
        if (s.IsReading && s.Remaining == 0) return;
        s.Value(ref Sender);
        s.UInt64(ref Nonce);
        if (s.IsReading && s.Remaining == 0) return;
        s.VarString(ref UserAgent, MaxUserAgentLength, "version user agent");
        if (s.IsReading && s.Remaining == 0) return;
        s.Int32(ref StartHeight);
        if (s.IsReading && s.Remaining == 0) { Relay = true; return; }
        s.Bool(ref Relay);
    }
}

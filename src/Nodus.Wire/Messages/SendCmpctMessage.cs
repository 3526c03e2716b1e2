using Nodus.Wire.Encoding;

namespace Nodus.Wire.Messages;

/// <summary>
/// sendcmpct (BIP 152): the sender can relay compact blocks of <see cref="Version"/> (2: wtxid short ids, segwit) and,
/// when <see cref="HighBandwidth"/> is set, wants new blocks pushed as cmpctblock before it asks (high-bandwidth mode);
/// otherwise it is announced to with headers or inv and asks getdata MSG_CMPCT_BLOCK (low-bandwidth mode).
/// </summary>
public sealed class SendCmpctMessage : IMessage
{
    public const string CommandName = "sendcmpct";

    /// <summary>Version 2: short ids over wtxids, transactions with witnesses (Bitcoin Core's CMPCTBLOCKS_VERSION).</summary>
    public const ulong SegwitVersion = 2;

    public bool HighBandwidth;
    public ulong Version = SegwitVersion;

    public SendCmpctMessage() { }
    public SendCmpctMessage(bool highBandwidth, ulong version = SegwitVersion)
    {
        HighBandwidth = highBandwidth;
        Version = version;
    }

    public string Command => CommandName;

    public void ReadWrite(ref WireStream s)
    {
        s.Bool(ref HighBandwidth);
        s.UInt64(ref Version);
    }
}

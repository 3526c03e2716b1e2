using Nodus.Wire.Encoding;
using Nodus.Wire.Types;

namespace Nodus.Wire.Messages;

/// <summary>addr: addresses of peers the sender knows, each with the time it was last seen.</summary>
public sealed class AddrMessage : IMessage
{
    public const string CommandName = "addr";

    /// <summary>Bitcoin Core's MAX_ADDR_TO_SEND (net.h): a longer addr message is a protocol violation.</summary>
    public const int MaxAddresses = 1_000;

    public List<TimestampedAddress> Addresses;

    public AddrMessage() => Addresses = []; // not a field initializer: that would also run, for nothing, before the constructor below
    public AddrMessage(IEnumerable<TimestampedAddress> addresses) => Addresses = [.. addresses];

    public string Command => CommandName;
    public void ReadWrite(ref WireStream s) => s.List(ref Addresses, MaxAddresses, "addr entries");
}

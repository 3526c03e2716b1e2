using Nodus.Wire.Encoding;
using Nodus.Wire.Types;

namespace Nodus.Wire.Messages;

/// <summary>inv: announces transactions or blocks the sender has, by type and hash.</summary>
public sealed class InvMessage : IMessage
{
    public const string CommandName = "inv";

    public List<InvVector> Inventory;

    public InvMessage() => Inventory = []; // not a field initializer: that would also run, for nothing, before the constructor below
    public InvMessage(IEnumerable<InvVector> inventory) => Inventory = [.. inventory];

    public string Command => CommandName;
    public void ReadWrite(ref WireStream s) => s.List(ref Inventory, InvVector.MaxPerMessage, "inv entries");
}

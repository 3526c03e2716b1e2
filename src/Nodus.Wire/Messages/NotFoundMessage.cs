using Nodus.Wire.Encoding;
using Nodus.Wire.Types;

namespace Nodus.Wire.Messages;

/// <summary>notfound: answers a getdata for objects the sender does not have.</summary>
public sealed class NotFoundMessage : IMessage
{
    public const string CommandName = "notfound";

    public List<InvVector> Inventory;

    public NotFoundMessage() => Inventory = []; // not a field initializer: that would also run, for nothing, before the constructor below
    public NotFoundMessage(IEnumerable<InvVector> inventory) => Inventory = [.. inventory];

    public string Command => CommandName;
    public void ReadWrite(ref WireStream s) => s.List(ref Inventory, InvVector.MaxPerMessage, "notfound entries");
}

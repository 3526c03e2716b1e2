using Nodus.Wire.Encoding;
using Nodus.Wire.Types;

namespace Nodus.Wire.Messages;

/// <summary>getdata: requests the objects named by inventory vectors (usually after an inv).</summary>
public sealed class GetDataMessage : IMessage
{
    public const string CommandName = "getdata";

    public List<InvVector> Inventory;

    public GetDataMessage() => Inventory = []; // not a field initializer: that would also run, for nothing, before the constructor below
    public GetDataMessage(IEnumerable<InvVector> inventory) => Inventory = [.. inventory];

    public string Command => CommandName;
    public void ReadWrite(ref WireStream s) => s.List(ref Inventory, InvVector.MaxPerMessage, "getdata entries");
}

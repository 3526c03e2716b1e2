using Nodus.Wire.Encoding;
using Nodus.Wire.Types;

namespace Nodus.Wire.Messages;

/// <summary>block: a whole block, the answer to a getdata for a block.</summary>
public sealed class BlockMessage : IMessage
{
    public const string CommandName = "block";

    public Block Block;

    public BlockMessage() => Block = new(); // not a field initializer: that would also run, for nothing, before the constructor below
    public BlockMessage(Block block) => Block = block;

    public string Command => CommandName;
    public void ReadWrite(ref WireStream s) => s.Value(ref Block);
}

using Nodus.Wire.Encoding;
using Nodus.Wire.Types;

namespace Nodus.Wire.Messages;

/// <summary>cmpctblock (BIP 152): a block as header, nonce, short ids and prefilled transactions.</summary>
public sealed class CmpctBlockMessage : IMessage
{
    public const string CommandName = "cmpctblock";

    public CompactBlock Block;

    public CmpctBlockMessage() => Block = new(); // not a field initializer: that would also run, for nothing, before the constructor below
    public CmpctBlockMessage(CompactBlock block) => Block = block;

    public string Command => CommandName;
    public void ReadWrite(ref WireStream s) => s.Value(ref Block);
}

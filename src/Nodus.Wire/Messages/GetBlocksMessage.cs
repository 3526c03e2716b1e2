using Nodus.Wire.Encoding;
using Nodus.Wire.Types;

namespace Nodus.Wire.Messages;

/// <summary>getblocks: asks for an inv of the blocks after the last locator hash the receiver knows, up to the stop hash.</summary>
public sealed class GetBlocksMessage : LocatorRequest
{
    public const string CommandName = "getblocks";

    public GetBlocksMessage() { }
    public GetBlocksMessage(uint version, BlockLocator locator, Hash256 hashStop) : base(version, locator, hashStop) { }

    public override string Command => CommandName;
}

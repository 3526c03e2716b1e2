using Nodus.Wire.Encoding;
using Nodus.Wire.Types;

namespace Nodus.Wire.Messages;

/// <summary>getheaders: asks for the headers after the last locator hash the receiver knows, up to the stop hash.</summary>
public sealed class GetHeadersMessage : LocatorRequest
{
    public const string CommandName = "getheaders";

    public GetHeadersMessage() { }
    public GetHeadersMessage(uint version, BlockLocator locator, Hash256 hashStop) : base(version, locator, hashStop) { }

    public override string Command => CommandName;
}

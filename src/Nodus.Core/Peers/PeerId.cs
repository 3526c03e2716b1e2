namespace Nodus.Core.Peers;

/// <summary>The engine's handle for one connection, assigned in order when the runtime reports it opened.</summary>
public readonly record struct PeerId(long Value)
{
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

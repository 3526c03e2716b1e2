namespace Nodus.Net.Runtime;

/// <summary>How a node uses TLS with its peers (<c>nodus node --tls</c>).</summary>
public enum TlsMode
{
    /// <summary>Plain TCP only: the bytes on the wire are exactly Bitcoin's; a peer that offers TLS is closed.</summary>
    Off,
    /// <summary>TLS with peers that speak it, plain TCP with the others (open to a downgrade by an active attacker).</summary>
    On,
    /// <summary>TLS only: plain peers are refused and dials never fall back to plain TCP.</summary>
    Require,
}

public static class TlsModes
{
    public static TlsMode Parse(string value) => value switch
    {
        "off" => TlsMode.Off,
        "on" => TlsMode.On,
        "require" => TlsMode.Require,
        _ => throw new ArgumentException($"'{value}' is not one of off, on, require", nameof(value)),
    };

    public static string ToName(this TlsMode mode) => mode switch
    {
        TlsMode.On => "on",
        TlsMode.Require => "require",
        _ => "off",
    };
}

namespace Nodus.Core.Peers;

/// <summary>Why a connection exists; the names are Bitcoin Core's (getpeerinfo "connection_type").</summary>
public enum ConnectionType
{
    Inbound,
    OutboundFullRelay,
    BlockRelayOnly,
    Feeler,
    Manual,
    AddrFetch,
}

public static class ConnectionTypeNames
{
    public static string ToRpcName(this ConnectionType type) => type switch
    {
        ConnectionType.Inbound => "inbound",
        ConnectionType.OutboundFullRelay => "outbound-full-relay",
        ConnectionType.BlockRelayOnly => "block-relay-only",
        ConnectionType.Feeler => "feeler",
        ConnectionType.Manual => "manual",
        ConnectionType.AddrFetch => "addr-fetch",
        _ => type.ToString(),
    };

    public static bool IsOutbound(this ConnectionType type) => type != ConnectionType.Inbound;
}

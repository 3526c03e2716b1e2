namespace Nodus.Core.Peers;

/// <summary>Why a connection ended, as data: the runtime logs it, RPC and the simulator count it.</summary>
public enum DisconnectCode
{
    /// <summary>The peer broke the protocol (bad framing, message out of order, invalid data). Discourages it.</summary>
    ProtocolViolation,
    HandshakeTimeout,
    PingTimeout,
    SelfConnection,
    ObsoleteVersion,
    /// <summary>The peer did not drain its send queue.</summary>
    SendQueueFull,
    /// <summary>Asked for by a person (RPC disconnectnode) or by connection policy (eviction, feeler done).</summary>
    Requested,
    /// <summary>The remote end closed the connection or the socket failed.</summary>
    RemoteClosed,
    Shutdown,
}

public readonly record struct DisconnectReason(DisconnectCode Code, string Detail)
{
    public bool IsMisbehaviour => Code == DisconnectCode.ProtocolViolation;

    public static DisconnectReason Violation(string detail) => new(DisconnectCode.ProtocolViolation, detail);

    public override string ToString() => string.IsNullOrEmpty(Detail) ? Code.ToString() : $"{Code}: {Detail}";
}

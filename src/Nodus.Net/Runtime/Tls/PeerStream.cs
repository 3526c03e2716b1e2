using System.Net.Sockets;

namespace Nodus.Net.Runtime;

/// <summary>A connected socket and the stream its frames travel on: the socket itself, or TLS over it.</summary>
internal sealed record PeerStream(Socket Socket, Stream Stream, bool IsTls, string? RemoteFingerprint)
{
    public static PeerStream Plain(Socket socket) => new(socket, new NetworkStream(socket, ownsSocket: true), false, null);

    /// <summary>Closes the stream and the socket under it.</summary>
    public void Dispose()
    {
        Stream.Dispose();
        Socket.Dispose();
    }
}

/// <summary>What getpeerinfo and tests see of a connection's transport.</summary>
public sealed record PeerTransportInfo(bool IsTls, string? RemoteFingerprint);

/// <summary>A TLS negotiation that ended without a usable connection; <see cref="CanFallBack"/> says whether plain
/// TCP may be tried instead (the peer does not speak TLS) or not (its identity was refused).</summary>
internal sealed class TlsRefusedException(string reason, bool canFallBack) : Exception(reason)
{
    public bool CanFallBack { get; } = canFallBack;
}

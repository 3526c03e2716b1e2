using System.Net;
using Nodus.Core.Peers;
using Nodus.Wire.Messages;

namespace Nodus.Core;

/// <summary>
/// A node-wide protocol component (rust-libp2p's NetworkBehaviour): chain sync, address manager, relay, DHT. The
/// engine owns connections and the handshake; behaviours see established peers and the messages after verack, and
/// act through the <see cref="NodeContext"/> they were built with. All methods run on the engine's single thread.
/// </summary>
public interface INodeBehaviour
{
    /// <summary>The handshake with <paramref name="peer"/> completed.</summary>
    void OnPeerReady(Peer peer, long now);

    /// <summary>An established peer's connection ended.</summary>
    void OnPeerClosed(Peer peer, long now);

    /// <summary>A message from an established peer. Every behaviour sees every message; returns true when this one acted on it.</summary>
    bool OnMessage(Peer peer, IMessage message, long now);

    /// <summary>Called when <paramref name="now"/> has reached <see cref="NextWakeup"/> (or later).</summary>
    void OnTimer(long now);

    /// <summary>When this behaviour next needs <see cref="OnTimer"/>, or <see cref="Time.Never"/>.</summary>
    long NextWakeup { get; }

    // Optional hooks (default: nothing). Connection policy (Discovery.ConnectionManager) uses them.

    /// <summary>The node expects about <paramref name="count"/> peers (<see cref="Node.ReservePeers"/>): per-peer
    /// tables may be sized for them at once. Only a hint; nothing else may depend on it.</summary>
    void ReservePeers(int count) { }

    /// <summary>The node started (<see cref="Node.Start"/>).</summary>
    void OnStart(long now) { }

    /// <summary>The node is shutting down, before its connections close: persist what must survive.</summary>
    void OnShutdown(long now) { }

    /// <summary>A connection opened, before its handshake (every type).</summary>
    void OnConnectionOpened(Peer peer, long now) { }

    /// <summary>A connection closed, whether or not its handshake completed (after <see cref="OnPeerClosed"/>).</summary>
    void OnConnectionClosed(Peer peer, long now) { }

    /// <summary>A dial requested through a <see cref="DialPeer"/> output failed.</summary>
    void OnDialFailed(IPEndPoint endPoint, ConnectionType type, string reason, long now) { }

    /// <summary>Whether to accept an inbound connection from <paramref name="remote"/>; may evict a peer to make room.</summary>
    bool ShouldAcceptInbound(IPEndPoint remote, long now) => true;

    /// <summary>The answer to a <see cref="ResolveSeeds"/> output for one host (empty when resolution failed).</summary>
    void OnSeedsResolved(string host, IReadOnlyList<IPAddress> addresses, long now) { }
}

using Nodus.Core.Peers;
using Nodus.Wire.Encoding;

namespace Nodus.Core.Relay;

/// <summary>
/// Decides when a transaction is announced to which peer, and (Dandelion only) where a stem transaction goes.
/// The behaviour decides what is announced (fluffed transactions, to peers that want them and do not know them
/// yet); the policy only schedules. It draws every delay from the node's seeded <see cref="Random"/>.
/// </summary>
public interface IRelayPolicy
{
    RelayPolicyKind Kind { get; }

    void AddPeer(Peer peer, long now);

    /// <summary>Room for about <paramref name="count"/> peers (<see cref="Node.ReservePeers"/>); only a hint.</summary>
    void ReservePeers(int count) { }

    void RemovePeer(PeerId peer, long now);

    /// <summary>Schedules an inv of <paramref name="txid"/> to <paramref name="peer"/>.</summary>
    void Enqueue(PeerId peer, Hash256 txid, long now);

    /// <summary>When the next announcement is due, or <see cref="Time.Never"/>.</summary>
    long NextWakeup { get; }

    /// <summary>Hands every announcement due at <paramref name="now"/> to <paramref name="send"/>, at most
    /// <see cref="AnnouncementScheduler.MaxInvPerFlush"/> per peer and call.</summary>
    void OnTimer(long now, Action<PeerId, List<Hash256>> send);

    /// <summary>The stem relay for a transaction from <paramref name="source"/> (null: our own), or null to fluff
    /// it now. Flood and diffusion never stem.</summary>
    PeerId? ChooseStemRelay(PeerId? source, long now);
}

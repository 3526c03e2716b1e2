using Nodus.Core.Peers;
using Nodus.Wire.Encoding;

namespace Nodus.Core.Relay;

/// <summary>
/// Which announced transactions to request from whom (a small form of Bitcoin Core's TxRequestTracker): one
/// request per txid at a time, outbound announcers first (inbound ones wait 2 s), a bounded number in flight per
/// peer, and on timeout or notfound the next announcer is asked. Deadlines sit in one priority queue.
/// </summary>
public sealed class TxRequestTracker(long nonPreferredDelay = TxRequestTracker.NonPreferredDelay)
{
    /// <summary>Bitcoin Core's MAX_PEER_TX_REQUEST_IN_FLIGHT.</summary>
    public const int MaxInFlightPerPeer = 100;

    /// <summary>Bitcoin Core's MAX_PEER_TX_ANNOUNCEMENTS: announcements tracked per peer.</summary>
    public const int MaxAnnouncementsPerPeer = 5_000;

    /// <summary>Bitcoin Core's GETDATA_TX_INTERVAL: an unanswered request moves to another announcer after 60 s.</summary>
    public const long RequestTimeout = 60 * Time.Second;

    /// <summary>Bitcoin Core's NONPREF_PEER_TX_DELAY: inbound announcers are asked only if no outbound one
    /// answers within 2 s, so an attacker with many inbound connections cannot win every download.</summary>
    public const long NonPreferredDelay = 2 * Time.Second;

    /// <summary>Ours: when every ready announcer is at its in-flight limit, look again after this long.</summary>
    public const long BusyRecheck = 500 * Time.Millisecond;

    private sealed class TxState
    {
        public readonly List<(PeerId Peer, long ReadyAt)> Announcers = [];
        public PeerId? InFlight;
        public long Expiry;
    }

    /// <summary>A peer's announcements and requests; dropped when it has neither (see <see cref="ReleaseIfIdle"/>).</summary>
    private sealed class PeerState
    {
        public readonly HashSet<Hash256> Announced = [];
        public int InFlight;
    }

    private readonly Dictionary<Hash256, TxState> _txs = [];
    private readonly PeerTable<PeerState> _peers = new();
    private readonly PriorityQueue<Hash256, long> _due = new();

    public int TrackedCount => _txs.Count;
    public int InFlightFor(PeerId peer) => _peers.TryGetValue(peer, out var p) ? p.InFlight : 0;
    public bool IsTracked(Hash256 txid) => _txs.ContainsKey(txid);

    /// <summary>The peer the txid is being requested from, if any.</summary>
    public PeerId? RequestedFrom(Hash256 txid) => _txs.TryGetValue(txid, out var t) ? t.InFlight : null;

    public long NextWakeup => _due.TryPeek(out _, out long at) ? at : Time.Never;

    /// <summary>A peer announced a txid we do not have. Returns false when ignored (duplicate or over the limit).</summary>
    public bool ReceivedInv(PeerId peer, Hash256 txid, bool preferred, long now)
    {
        if (!_peers.TryGetValue(peer, out var p)) _peers[peer] = p = new PeerState();
        if (p.Announced.Count >= MaxAnnouncementsPerPeer || !p.Announced.Add(txid)) return false;
        if (!_txs.TryGetValue(txid, out var tx)) _txs[txid] = tx = new TxState();
        long readyAt = preferred ? now : now + nonPreferredDelay;
        tx.Announcers.Add((peer, readyAt));
        if (tx.InFlight is null) _due.Enqueue(txid, readyAt);
        return true;
    }

    /// <summary>Appends the (peer, txid) requests to send now and updates the in-flight state.</summary>
    public void Poll(long now, List<(PeerId Peer, Hash256 Txid)> requests)
    {
        while (_due.TryPeek(out var txid, out long at) && at <= now)
        {
            _due.Dequeue();
            if (!_txs.TryGetValue(txid, out var tx)) continue;
            if (tx.InFlight is { } asked)
            {
                if (tx.Expiry > now) continue; // a later queue entry covers the deadline
                ClearInFlight(tx);
                RemoveAnnouncer(tx, txid, asked);
            }
            Schedule(txid, tx, now, requests);
        }
        if (_due.Count == 0 && _txs.Count == 0) _due.TrimExcess(); // idle: give back the heap's array
    }

    /// <summary>A peer answered a request with the transaction or with notfound.</summary>
    public void ReceivedResponse(PeerId peer, Hash256 txid, bool notFound, long now)
    {
        if (!_txs.TryGetValue(txid, out var tx) || tx.InFlight != peer) return;
        ClearInFlight(tx);
        if (!notFound) return;
        RemoveAnnouncer(tx, txid, peer);
        if (tx.Announcers.Count == 0) _txs.Remove(txid);
        else _due.Enqueue(txid, now);
    }

    /// <summary>The transaction is no longer wanted (received, rejected, or mined).</summary>
    public void Forget(Hash256 txid)
    {
        if (!_txs.Remove(txid, out var tx)) return;
        if (_txs.Count == 0) _txs.TrimExcess(); // nothing left to download: give back the table (looked up only)
        ClearInFlight(tx);
        foreach (var (peer, _) in tx.Announcers)
            if (_peers.TryGetValue(peer, out var p))
            {
                p.Announced.Remove(txid);
                ReleaseIfIdle(peer, p);
            }
    }

    public void RemovePeer(PeerId peer, long now)
    {
        if (!_peers.Remove(peer, out var p)) return;
        foreach (var txid in p.Announced)
        {
            if (!_txs.TryGetValue(txid, out var tx)) continue;
            if (tx.InFlight == peer) tx.InFlight = null;
            tx.Announcers.RemoveAll(a => a.Peer == peer);
            if (tx.Announcers.Count == 0) _txs.Remove(txid);
            else if (tx.InFlight is null) _due.Enqueue(txid, now);
        }
    }

    private void Schedule(Hash256 txid, TxState tx, long now, List<(PeerId, Hash256)> requests)
    {
        if (tx.Announcers.Count == 0)
        {
            _txs.Remove(txid);
            return;
        }
        int best = -1;
        long nextReady = Time.Never;
        for (int i = 0; i < tx.Announcers.Count; i++)
        {
            var (peer, readyAt) = tx.Announcers[i];
            if (readyAt > now) { nextReady = Math.Min(nextReady, readyAt); continue; }
            if (InFlightFor(peer) >= MaxInFlightPerPeer) { nextReady = Math.Min(nextReady, now + BusyRecheck); continue; }
            if (best < 0 || readyAt < tx.Announcers[best].ReadyAt) best = i;
        }
        if (best < 0)
        {
            _due.Enqueue(txid, nextReady);
            return;
        }
        var chosen = tx.Announcers[best].Peer;
        tx.InFlight = chosen;
        tx.Expiry = now + RequestTimeout;
        _peers[chosen].InFlight++;
        _due.Enqueue(txid, tx.Expiry);
        requests.Add((chosen, txid));
    }

    private void ClearInFlight(TxState tx)
    {
        if (tx.InFlight is { } peer && _peers.TryGetValue(peer, out var p))
        {
            p.InFlight--;
            ReleaseIfIdle(peer, p);
        }
        tx.InFlight = null;
    }

    private void RemoveAnnouncer(TxState tx, Hash256 txid, PeerId peer)
    {
        tx.Announcers.RemoveAll(a => a.Peer == peer);
        if (_peers.TryGetValue(peer, out var p))
        {
            p.Announced.Remove(txid);
            ReleaseIfIdle(peer, p);
        }
    }

    /// <summary>A peer with nothing announced and nothing in flight needs no state: the next inv creates it again.
    /// Keeping it would hold a set per connection for good (a simulation holds millions of connections).</summary>
    private void ReleaseIfIdle(PeerId peer, PeerState p)
    {
        if (p.InFlight != 0 || p.Announced.Count != 0) return;
        _peers.Remove(peer);
        _peers.TrimIfEmpty(); // looked up only, never iterated: the order of later entries does not matter
    }
}

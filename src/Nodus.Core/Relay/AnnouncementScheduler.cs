using Nodus.Core.Peers;
using Nodus.Wire.Encoding;

namespace Nodus.Core.Relay;

/// <summary>
/// Per-peer queues of pending transaction announcements, flushed in inv messages when the subclass's timer for that
/// peer is due (Bitcoin Core's m_tx_inventory_to_send and m_next_inv_send_time). Queues are bounded.
/// </summary>
public abstract class AnnouncementScheduler : IRelayPolicy
{
    /// <summary>Bitcoin Core's INVENTORY_BROADCAST_MAX: at most 1,000 transaction announcements per trickle.</summary>
    public const int MaxInvPerFlush = 1_000;

    /// <summary>Bound on queued announcements per peer: Bitcoin's MAX_INV_SZ (50,000); beyond it the peer will
    /// learn the transaction from someone else.</summary>
    public const int MaxPendingPerPeer = 50_000;

    protected sealed class PeerQueue(Peer peer)
    {
        public Peer Peer { get; } = peer;
        /// <summary>Created on the first announcement and dropped when drained: most of a simulation's millions of
        /// connections hold nothing most of the time.</summary>
        public Queue<(Hash256 Txid, long Due)>? Items;
        public long NextFlush = Time.Never;
        public int Count => Items?.Count ?? 0;
    }

    private readonly PeerTable<PeerQueue> _queues = new();
    /// <summary>The earliest <see cref="PeerQueue.NextFlush"/>, valid unless <see cref="_wakeupStale"/>: walking
    /// every queue at each <see cref="NextWakeup"/> cost a hub a walk of all its peers after every input.</summary>
    private long _nextWakeup = Time.Never;
    private bool _wakeupStale;

    protected AnnouncementScheduler(Random random) => Random = random;

    protected Random Random { get; }
    public abstract RelayPolicyKind Kind { get; }
    protected IEnumerable<PeerQueue> Queues => _queues.Values;

    public virtual void AddPeer(Peer peer, long now) => _queues[peer.Id] = new PeerQueue(peer);

    public void ReservePeers(int count) => _queues.Reserve(count);

    public virtual void RemovePeer(PeerId peer, long now)
    {
        if (_queues.Remove(peer)) _wakeupStale = true;
    }

    /// <summary>Pending announcements for a peer (tests, getpeerinfo).</summary>
    public int PendingFor(PeerId peer) => _queues.TryGetValue(peer, out var q) ? q.Count : 0;

    public void Enqueue(PeerId peer, Hash256 txid, long now)
    {
        if (!_queues.TryGetValue(peer, out var queue) || queue.Count >= MaxPendingPerPeer) return;
        (queue.Items ??= new()).Enqueue((txid, DueTime(now)));
        if (queue.NextFlush != Time.Never) return;
        queue.NextFlush = FirstFlush(queue, now);
        _nextWakeup = Math.Min(_nextWakeup, queue.NextFlush);
    }

    public virtual long NextWakeup
    {
        get
        {
            if (!_wakeupStale) return _nextWakeup;
            long next = Time.Never;
            foreach (var q in _queues.Values) next = Math.Min(next, q.NextFlush);
            _wakeupStale = false;
            return _nextWakeup = next;
        }
    }

    public virtual void OnTimer(long now, Action<PeerId, List<Hash256>> send)
    {
        BeforeFlush(now);
        _wakeupStale = true;
        foreach (var queue in _queues.Values)
        {
            if (queue.NextFlush > now) continue;
            var batch = new List<Hash256>();
            while (batch.Count < MaxInvPerFlush && queue.Items is { } items && items.TryPeek(out var item) && item.Due <= now)
                batch.Add(items.Dequeue().Txid);
            if (queue.Count == 0) queue.Items = null;
            queue.NextFlush = queue.Count == 0 ? Time.Never : NextFlush(queue, now);
            if (batch.Count > 0) send(queue.Peer.Id, batch);
        }
    }

    public virtual PeerId? ChooseStemRelay(PeerId? source, long now) => null;

    /// <summary>The earliest time an item enqueued now may be announced.</summary>
    protected virtual long DueTime(long now) => now;

    /// <summary>When a queue that was empty gets its first item.</summary>
    protected abstract long FirstFlush(PeerQueue queue, long now);

    /// <summary>When a queue that still holds items after a flush is flushed next.</summary>
    protected abstract long NextFlush(PeerQueue queue, long now);

    protected virtual void BeforeFlush(long now) { }

    /// <summary>An exponentially distributed delay with the given mean (Bitcoin Core's rand_exp_duration), so that
    /// announcements form a Poisson process whose timing reveals little about the source.</summary>
    public static long ExponentialDelay(Random random, long mean) =>
        (long)(-Math.Log(1.0 - random.NextDouble()) * mean);
}

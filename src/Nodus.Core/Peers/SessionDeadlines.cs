namespace Nodus.Core.Peers;

/// <summary>
/// One node's per-peer session deadlines (<see cref="PeerSession.NextDeadline"/>: handshake timeout, next ping,
/// ping timeout) in one compact array, and their minimum kept as they move. Finding the due peer of a keep-alive
/// timer used to walk every <see cref="Peer"/> object (a cache miss each) after every ping, a hub's hundred peers
/// for each of its hundred pings; a scan of this array reads a few cache lines. 16 bytes per peer, grown by half.
/// </summary>
internal sealed class SessionDeadlines
{
    private long[] _at = [];
    private Peer?[] _peers = [];
    private int _count;
    private long _earliest = Time.Never;
    /// <summary>The peer holding the minimum moved later or left: only a scan finds the new minimum.</summary>
    private bool _stale;

    /// <summary>The earliest deadline of all peers, or <see cref="Time.Never"/>.</summary>
    public long Earliest
    {
        get
        {
            if (_stale) Rescan();
            return _earliest;
        }
    }

    /// <summary>Room for <paramref name="count"/> peers at once (<see cref="Node.ReservePeers"/>).</summary>
    public void Reserve(int count)
    {
        if (count <= _at.Length) return;
        Array.Resize(ref _at, count);
        Array.Resize(ref _peers, count);
    }

    public void Add(Peer peer, long deadline)
    {
        if (_count == _at.Length)
        {
            int size = Math.Max(4, _count + _count / 2);
            Array.Resize(ref _at, size);
            Array.Resize(ref _peers, size);
        }
        peer.SessionSlot = _count;
        _at[_count] = deadline;
        _peers[_count++] = peer;
        if (deadline < _earliest) _earliest = deadline;
    }

    public void Remove(Peer peer)
    {
        int i = peer.SessionSlot;
        if (i < 0) return;
        Moved(_at[i], Time.Never);
        int last = --_count;
        _at[i] = _at[last];
        (_peers[i] = _peers[last])!.SessionSlot = i;
        _peers[last] = null;
        peer.SessionSlot = -1;
    }

    /// <summary>The peer's deadline is now <paramref name="deadline"/>.</summary>
    public void Set(Peer peer, long deadline)
    {
        int i = peer.SessionSlot;
        if (i < 0) return; // not (or no longer) in the table
        long before = _at[i];
        _at[i] = deadline;
        Moved(before, deadline);
    }

    /// <summary>The peers whose deadline is at or before <paramref name="now"/>, appended to <paramref name="due"/>
    /// in table order, which is not the engine's peer order: the caller re-reads that order when several are due.</summary>
    public void CollectDue(long now, List<Peer> due)
    {
        if (!_stale && _earliest > now) return;
        for (int i = 0; i < _count; i++)
            if (_at[i] <= now) due.Add(_peers[i]!);
    }

    /// <summary>The minimum after the due peers' timers ran (their deadlines were <see cref="Set"/>).</summary>
    public void Rescan()
    {
        long earliest = Time.Never;
        for (int i = 0; i < _count; i++) earliest = Math.Min(earliest, _at[i]);
        _earliest = earliest;
        _stale = false;
    }

    private void Moved(long before, long after)
    {
        if (after < _earliest) _earliest = after;
        else if (after > before && before <= _earliest) _stale = true;
    }
}

using Nodus.Wire.Encoding;
using Nodus.Wire.Types;

namespace Nodus.Core.Chain;

/// <summary>
/// The in-memory tree of every known header (Bitcoin's block index) and two chains through it: the best header
/// chain (most cumulative work among valid headers) and the active chain (most work among chains whose bodies are
/// all stored). Ties go to the first seen. Switching branches only moves the active chain: nothing stored is
/// rewritten. The index is pure: validation and persistence are <see cref="ChainState"/>'s.
/// <para>
/// Memory bound against a flood of cheap headers: at most <see cref="MaxSideHeaders"/> headers may sit off both
/// chains. Past that, the side branches whose best header has the least work are dropped until
/// four fifths of the bound remain (so that pruning runs once per many thousand headers, not on each). A branch with more work than ours would already have become the best
/// chain, so pruning only ever drops chains that lose; a dropped header that is sent again is simply accepted again.
/// </para>
/// </summary>
public sealed class ChainIndex
{
    /// <summary>Headers kept off the best and active chains before pruning (about 25 MB of entries).</summary>
    public const int MaxSideHeaders = 100_000;

    /// <summary>Bitcoin's MAX_HEADERS_RESULTS: headers in one headers message.</summary>
    public const int MaxHeadersResults = 2_000;
    /// <summary>Bitcoin's getblocks reply limit: block hashes in one inv answer.</summary>
    public const int MaxBlocksResults = 500;
    /// <summary>MAX_LOCATOR_SZ: entries a locator may carry.</summary>
    public const int MaxLocatorEntries = 101;
    /// <summary>Bitcoin's LocatorEntries: the first steps back are one block each, then they double.</summary>
    private const int LocatorDenseEntries = 10;

    private readonly Dictionary<Hash256, ChainEntry> _entries = [];
    private readonly List<ChainEntry> _active = [];
    private long _nextSequence;
    private int _nextPruneCheck;

    private readonly int _maxSideHeaders;

    /// <param name="maxSideHeaders">The side-branch bound; pruning keeps four fifths of it.</param>
    public ChainIndex(NetworkParams network, int maxSideHeaders = MaxSideHeaders)
    {
        Network = network;
        _maxSideHeaders = maxSideHeaders;
        Genesis = new ChainEntry(network.Genesis.Header, network.GenesisHash, null, _nextSequence++)
        {
            HasBody = true,
            HasChainBodies = true,
        };
        _entries.Add(Genesis.Hash, Genesis);
        _active.Add(Genesis);
        BestHeader = Genesis;
    }

    public NetworkParams Network { get; }
    public ChainEntry Genesis { get; }

    /// <summary>The tip of the active chain: its blocks are all stored and validated.</summary>
    public ChainEntry Tip => _active[^1];
    public int Height => Tip.Height;

    /// <summary>The valid header with the most cumulative work; bodies may be missing after the active tip.</summary>
    public ChainEntry BestHeader { get; private set; }

    public int Count => _entries.Count;

    public ChainEntry? Get(Hash256 hash) => _entries.GetValueOrDefault(hash);
    public bool Contains(Hash256 hash) => _entries.ContainsKey(hash);

    /// <summary>The active chain's block at <paramref name="height"/>, or null past the tip.</summary>
    public ChainEntry? GetActive(int height) => height >= 0 && height < _active.Count ? _active[height] : null;

    public bool IsActive(ChainEntry entry) => entry.Height < _active.Count && _active[entry.Height] == entry;

    /// <summary>Adds a header whose parent is known and that passed validation. Returns the new entry.</summary>
    internal ChainEntry Add(BlockHeader header, Hash256 hash, ChainEntry parent)
    {
        var entry = new ChainEntry(header, hash, parent, _nextSequence++) { IsInvalid = parent.IsInvalid };
        _entries.Add(hash, entry);
        (parent.Children ??= new(1)).Add(entry); // one child but at a fork: every node holds one list per header
        if (!entry.IsInvalid && entry.ChainWork > BestHeader.ChainWork) BestHeader = entry;
        if (_entries.Count - BestHeader.Height - 1 > _maxSideHeaders && _entries.Count >= _nextPruneCheck)
        {
            PruneSideBranches();
            _nextPruneCheck = _entries.Count + _maxSideHeaders / 5;
        }
        return entry;
    }

    /// <summary>
    /// Records that <paramref name="entry"/>'s body is stored and, when that completes a chain with more work than the
    /// active one, switches to it. Returns how the active chain moved.
    /// </summary>
    internal ChainUpdate SetHasBody(ChainEntry entry)
    {
        if (entry.HasBody) return ChainUpdate.None;
        entry.HasBody = true;
        if (entry.Parent is not { HasChainBodies: true }) return ChainUpdate.None;

        // The body may complete chains of descendants whose bodies came first; the best of them is the candidate.
        ChainEntry? candidate = null;
        Stack<ChainEntry>? pending = null; // made only when a descendant's body came first (the usual block has none)
        for (var e = entry; e is not null; e = pending is { Count: > 0 } ? pending.Pop() : null)
        {
            e.HasChainBodies = true;
            if (!e.IsInvalid && (candidate is null || e.ChainWork > candidate.ChainWork ||
                (e.ChainWork == candidate.ChainWork && e.Sequence < candidate.Sequence))) candidate = e;
            if (e.Children is null) continue;
            foreach (var child in e.Children)
                if (child.HasBody) (pending ??= new Stack<ChainEntry>()).Push(child);
        }
        return candidate is not null && candidate.ChainWork > Tip.ChainWork ? SwitchTo(candidate) : ChainUpdate.None;
    }

    /// <summary>Marks a block whose body broke a rule, and all its descendants, invalid.</summary>
    internal void MarkInvalid(ChainEntry entry)
    {
        if (IsActive(entry)) throw new InvalidOperationException("an active block cannot be invalidated");
        var pending = new Stack<ChainEntry>();
        pending.Push(entry);
        while (pending.Count > 0)
        {
            var e = pending.Pop();
            e.IsInvalid = true;
            if (e.Children is not null) foreach (var child in e.Children) pending.Push(child);
        }
        if (BestHeader.IsInvalid) BestHeader = FindBestHeader();
    }

    private ChainEntry FindBestHeader()
    {
        var best = Genesis;
        foreach (var e in _entries.Values)
            if (!e.IsInvalid && (e.ChainWork > best.ChainWork || (e.ChainWork == best.ChainWork && e.Sequence < best.Sequence))) best = e;
        return best;
    }

    private ChainUpdate SwitchTo(ChainEntry newTip)
    {
        var fork = FindFork(Tip, newTip);
        // Arrays of the exact size (a plain extension, the usual move, disconnects nothing and connects one block).
        var disconnected = Tip.Height > fork.Height ? new ChainEntry[Tip.Height - fork.Height] : [];
        for (int h = Tip.Height, i = 0; h > fork.Height; h--) disconnected[i++] = _active[h];
        _active.RemoveRange(fork.Height + 1, _active.Count - fork.Height - 1);
        var connected = new ChainEntry[newTip.Height - fork.Height];
        int at = connected.Length;
        for (var e = newTip; e != fork; e = e.Parent!) connected[--at] = e;
        _active.AddRange(connected);
        return new ChainUpdate(disconnected, connected);
    }

    /// <summary>The last common ancestor of two entries.</summary>
    public static ChainEntry FindFork(ChainEntry a, ChainEntry b)
    {
        if (a.Height > b.Height) a = a.GetAncestor(b.Height)!;
        else if (b.Height > a.Height) b = b.GetAncestor(a.Height)!;
        while (a != b)
        {
            a = a.Parent!;
            b = b.Parent!;
        }
        return a;
    }

    /// <summary>
    /// A block locator from <paramref name="from"/> (default: the best header): 11 hashes one block apart, then steps
    /// doubling back, genesis last — at most 101 entries for any height below 2^90.
    /// </summary>
    public List<Hash256> GetLocator(ChainEntry? from = null)
    {
        var entry = from ?? BestHeader;
        // Sized exactly: every peer gets a getheaders on connecting, and a list of 32 mostly unused slots each was
        // the largest allocation of a simulation's start.
        var locator = new List<Hash256>(LocatorLength(entry.Height));
        int step = 1;
        while (true)
        {
            locator.Add(entry.Hash);
            if (entry.Height == 0) break;
            int height = Math.Max(entry.Height - step, 0);
            entry = IsActive(entry) ? _active[height] : entry.GetAncestor(height)!;
            if (locator.Count > LocatorDenseEntries) step *= 2;
        }
        return locator;
    }

    /// <summary>How many hashes <see cref="GetLocator"/> lists from height <paramref name="height"/> (the same steps).</summary>
    private static int LocatorLength(int height)
    {
        int count = 0, step = 1;
        while (true)
        {
            count++;
            if (height == 0) return count;
            height = Math.Max(height - step, 0);
            if (count > LocatorDenseEntries) step *= 2;
        }
    }

    /// <summary>Bitcoin's FindForkInGlobalIndex: the first locator hash on the active chain, else genesis.</summary>
    public ChainEntry FindLocatorFork(IReadOnlyList<Hash256> locator)
    {
        for (int i = 0; i < locator.Count; i++) // by index: a foreach over the interface would box the list's enumerator
        {
            if (!_entries.TryGetValue(locator[i], out var entry)) continue;
            // A locator entry on a side branch still tells where the peer's chain leaves our active one.
            return IsActive(entry) ? entry : FindFork(Tip, entry);
        }
        return Genesis;
    }

    /// <summary>
    /// The answer to getheaders: active-chain headers after the locator's fork point, up to <paramref name="max"/>,
    /// ending with <paramref name="stop"/> when reached (included). An empty locator asks for the stop block alone.
    /// </summary>
    public List<BlockHeader> GetHeadersAfter(IReadOnlyList<Hash256> locator, Hash256 stop, int max = MaxHeadersResults)
    {
        var headers = new List<BlockHeader>();
        if (locator.Count == 0)
        {
            if (_entries.TryGetValue(stop, out var only) && !only.IsInvalid) headers.Add(only.Header);
            return headers;
        }
        max = Math.Min(max, MaxHeadersResults);
        for (int h = FindLocatorFork(locator).Height + 1; h < _active.Count && headers.Count < max; h++)
        {
            headers.Add(_active[h].Header);
            if (_active[h].Hash == stop) break;
        }
        return headers;
    }

    /// <summary>
    /// The answer to getblocks: active-chain hashes after the locator's fork point, up to <paramref name="max"/>,
    /// stopping before <paramref name="stop"/> (Bitcoin does not announce the stop block itself).
    /// </summary>
    public List<Hash256> GetBlockHashesAfter(IReadOnlyList<Hash256> locator, Hash256 stop, int max = MaxBlocksResults)
    {
        var hashes = new List<Hash256>();
        max = Math.Min(max, MaxBlocksResults);
        for (int h = FindLocatorFork(locator).Height + 1; h < _active.Count && hashes.Count < max; h++)
        {
            if (_active[h].Hash == stop) break;
            hashes.Add(_active[h].Hash);
        }
        return hashes;
    }

    /// <summary>
    /// Blocks to download next: on the best header chain, after its fork with the active chain, within
    /// <paramref name="window"/> blocks of that fork, without a body, lowest first, at most <paramref name="max"/>.
    /// </summary>
    public List<ChainEntry> GetMissingBodies(int max, int window)
    {
        var result = new List<ChainEntry>();
        CollectMissingBodies(max, window, result);
        return result;
    }

    /// <summary><see cref="GetMissingBodies"/> into <paramref name="result"/> (cleared first): block sync asks after
    /// every headers announcement, most often while nothing is missing, and a reused list spares two per call.</summary>
    public void CollectMissingBodies(int max, int window, List<ChainEntry> result)
    {
        result.Clear();
        // The best header is the tip once its body is in (the usual case): no work comparison needed to see that.
        if (BestHeader == Tip || BestHeader.ChainWork <= Tip.ChainWork) return;
        var fork = FindFork(Tip, BestHeader);
        int end = Math.Min(BestHeader.Height, fork.Height + window);
        if (end <= fork.Height) return;
        // Walk down once from the window's end and collect, rather than one ancestor search per height.
        for (var walk = BestHeader.GetAncestor(end)!; walk != fork; walk = walk.Parent!)
            if (!walk.HasBody) result.Add(walk);
        result.Reverse();
        if (result.Count > max) result.RemoveRange(max, result.Count - max);
    }

    /// <summary>All entries in the order they were first seen (parents before children), for tests and snapshots.</summary>
    public IEnumerable<ChainEntry> Entries => _entries.Values.OrderBy(e => e.Sequence);

    private void PruneSideBranches()
    {
        // Side entries: neither on the active chain nor an ancestor of the best header.
        var side = new List<ChainEntry>();
        foreach (var e in _entries.Values)
            if (!IsActive(e) && BestHeader.GetAncestor(e.Height) != e) side.Add(e);
        if (side.Count <= _maxSideHeaders) return;

        // A branch's worth is the most work of any header in its subtree; drop the least worthy first, children
        // before parents (deeper first among equals), so that the tree stays connected.
        var branchWork = new Dictionary<ChainEntry, System.Numerics.BigInteger>(side.Count);
        foreach (var e in side.OrderByDescending(e => e.Height))
        {
            var work = e.ChainWork;
            if (e.Children is not null)
                foreach (var child in e.Children)
                    if (branchWork.TryGetValue(child, out var w) && w > work) work = w;
            branchWork[e] = work;
        }
        int toRemove = side.Count - _maxSideHeaders * 4 / 5;
        foreach (var e in side.OrderBy(e => branchWork[e]).ThenByDescending(e => e.Height).ThenByDescending(e => e.Sequence).Take(toRemove))
        {
            _entries.Remove(e.Hash);
            e.Parent?.Children?.Remove(e);
        }
    }
}

using System.Diagnostics.CodeAnalysis;
using Nodus.Core.Chain;
using Nodus.Core.Peers;
using Nodus.Wire.Encoding;
using Nodus.Wire.Messages;
using Nodus.Wire.Types;

namespace Nodus.Core.Sync;

/// <summary>
/// Headers-first synchronisation and block relay (the seeds' "Synchronizing a Node"; Bitcoin Core's
/// net_processing). Headers come first — getheaders with a block locator, replies of up to 2,000, repeated until a
/// peer has no more — then block bodies are fetched in parallel from every peer that has them, at most 16 in flight
/// per peer within a 1,024-block window past the tip; a request that stalls moves to another peer. It also answers
/// getheaders, getblocks and getdata for blocks, and announces new tips with headers (BIP 130) or inv. Near the
/// tip, blocks travel as BIP 152 compact blocks (BlockSync.Compact.cs).
/// </summary>
public sealed partial class BlockSync : INodeBehaviour
{
    /// <summary>How often stalled requests are looked for while blocks are in flight.</summary>
    private static readonly long StallCheckInterval = 1 * Time.Second;

    /// <summary>sendheaders has no payload: one object for every peer (a sent message is never changed).</summary>
    private static readonly SendHeadersMessage SendHeaders = new();

    private readonly NodeContext _context;
    private readonly SyncOptions _options;
    private readonly Dictionary<PeerId, PeerSyncState> _peers = [];
    /// <summary>The same peers in id order, the order block requests are handed out in (kept as peers come and go
    /// rather than sorted at every request).</summary>
    private readonly List<KeyValuePair<PeerId, PeerSyncState>> _peersById = [];
    /// <summary>Scratch list for <see cref="RequestBlocks"/>, which runs after every headers announcement.</summary>
    private readonly List<ChainEntry> _missing = [];
    private readonly Dictionary<Hash256, (PeerId Peer, long RequestedAt)> _inFlight = [];
    private long _nextStallCheck = Time.Never;
    private PeerId? _headersSyncPeer;
    /// <summary>Peers with <see cref="PeerSyncState.HeadersDeferred"/> set: a hand-over with none waiting (a node's
    /// last at start, every later one) walks no peers.</summary>
    private int _headersDeferred;

    public BlockSync(NodeContext context, ChainState chain, SyncOptions? options = null)
    {
        _context = context;
        Chain = chain;
        _options = options ?? new SyncOptions();
        context.BestHeight = () => Chain.Height;
    }

    public ChainState Chain { get; }

    /// <summary>A block joined the active chain (in order); relay removes its transactions from the mempool.</summary>
    public event Action<Block, ChainEntry, long>? BlockConnected;

    /// <summary>A block left the active chain in a reorganisation; its transactions may return to the mempool.</summary>
    public event Action<Block, ChainEntry, long>? BlockDisconnected;

    /// <summary>A block body was received from a peer (null for our own) and passed the context-free checks (an invalid
    /// or mutated body is not counted): for measurements.</summary>
    public event Action<Hash256, PeerId?, long>? BlockReceived;

    public int BlocksInFlight => _inFlight.Count;
    public long BlocksDownloaded { get; private set; }

    /// <summary>Initial block download: the tip is more than a day old, as Bitcoin Core decides it.</summary>
    public bool IsInitialBlockDownload(long now) =>
        Time.FromUnixSeconds(Chain.Tip.Time) < now - SyncOptions.MaxTipAge || Chain.BestHeader.ChainWork > Chain.Tip.ChainWork;

    public long NextWakeup => Math.Min(_nextStallCheck, NextHeadersTimeout());

    public void ReservePeers(int count)
    {
        _peers.EnsureCapacity(count);
        _peersById.EnsureCapacity(count);
    }

    public void OnPeerReady(Peer peer, long now)
    {
        var state = new PeerSyncState();
        _peers[peer.Id] = state;
        peer.SyncState = state;
        AddById(peer.Id, state);
        if (peer.Version >= 70012) _context.Send(peer, SendHeaders); // BIP 130
        OfferCompactBlocks(peer);
        // Ask every peer that may know more than our best header: this finds forks and tells us what each peer can
        // serve. While our headers are far behind, only one peer at a time sends the long header chain (Bitcoin
        // Core's single headers-sync peer); the others are asked once it is done, and answer with a few headers.
        if (peer.StartHeight <= Chain.BestHeader.Height && peer.IsInbound) return;
        if (HeadersAreOld(now))
        {
            if (_headersSyncPeer is not null && _headersSyncPeer != peer.Id)
            {
                state.HeadersDeferred = true;
                _headersDeferred++;
                return;
            }
            _headersSyncPeer = peer.Id;
        }
        RequestHeaders(peer, state, now);
    }

    private bool HeadersAreOld(long now) => Time.FromUnixSeconds(Chain.BestHeader.Time) < now - SyncOptions.MaxTipAge;

    /// <summary>The headers-sync peer finished (or left): ask the peers that waited, one at a time while still behind.</summary>
    private void ReleaseDeferredHeaders(long now)
    {
        _headersSyncPeer = null;
        if (_headersDeferred == 0) return;
        bool behind = HeadersAreOld(now);
        // In id order: still behind, only the waiting peer with the lowest id is asked (the first found: a node hands
        // the role on once per outbound peer at start, and the walk stops there); caught up, every waiting peer is.
        foreach (var (id, state) in _peersById)
        {
            if (!state.HeadersDeferred || !_context.Peers.TryGetValue(id, out var peer)) continue;
            state.HeadersDeferred = false;
            _headersDeferred--;
            if (behind) _headersSyncPeer = id;
            RequestHeaders(peer, state, now);
            if (behind) return;
        }
    }

    public void OnPeerClosed(Peer peer, long now)
    {
        if (!_peers.Remove(peer.Id, out var state)) return;
        peer.SyncState = null;
        _peersById.RemoveAt(IndexById(peer.Id));
        _highBandwidthFrom.Remove(peer.Id);
        SetAwaitingHeaders(state, false);
        if (state.HeadersDeferred) _headersDeferred--;
        if (_headersSyncPeer == peer.Id) ReleaseDeferredHeaders(now);
        if (state.InFlightCount == 0) return;
        foreach (var hash in state.InFlight) _inFlight.Remove(hash);
        RequestBlocks(now);
    }

    public bool OnMessage(Peer peer, IMessage message, long now)
    {
        if (peer.SyncState is not { } state) return false; // the same as _peers holds, without the lookup
        switch (message)
        {
            case HeadersMessage headers:
                OnHeaders(peer, state, headers, now);
                if (_headersSyncPeer == peer.Id && (headers.Headers.Count < HeadersMessage.MaxHeaders || peer.State == HandshakeState.Closing))
                    ReleaseDeferredHeaders(now);
                return true;
            case BlockMessage block: OnBlock(peer, state, block.Block, now); return true;
            case GetHeadersMessage getHeaders: OnGetHeaders(peer, state, getHeaders); return true;
            case GetBlocksMessage getBlocks: OnGetBlocks(peer, getBlocks); return true;
            case GetDataMessage getData: OnGetData(peer, getData); return false; // transactions are relay's
            case InvMessage inv: OnInv(peer, state, inv, now); return false;
            case NotFoundMessage notFound: OnNotFound(peer, state, notFound, now); return false;
            case SendHeadersMessage: peer.PrefersHeaders = true; return true;
            case SendCmpctMessage sendCmpct: OnSendCmpct(state, sendCmpct); return true;
            case CmpctBlockMessage cmpct: OnCmpctBlock(peer, state, cmpct.Block, now); return true;
            case GetBlockTxnMessage getBlockTxn: OnGetBlockTxn(peer, getBlockTxn.Request); return true;
            case BlockTxnMessage blockTxn: OnBlockTxn(peer, state, blockTxn.Transactions, now); return true;
            default: return false;
        }
    }

    public void OnTimer(long now)
    {
        if (now >= _nextStallCheck) CheckStalls(now);
        if (_awaitingHeaders == 0) return;
        var slow = _peers.Where(p => p.Value.AwaitingHeaders && now >= p.Value.HeadersRequestedAt + _options.HeadersTimeout).ToList();
        foreach (var (id, state) in slow)
        {
            // A headers-sync peer that does not answer must not hold the others back: hand the role on.
            if (_headersSyncPeer == id) ReleaseDeferredHeaders(now);
            if (_context.Peers.TryGetValue(id, out var peer)) RequestHeaders(peer, state, now);
        }
    }

    /// <summary>Accepts a block made here (mining, RPC submit) and announces it. Returns the validation result.</summary>
    public ValidationResult SubmitBlock(Block block, long now)
    {
        BlockReceived?.Invoke(block.GetHash(), null, now);
        var accepted = Chain.AcceptBlock(block, now);
        if (accepted.Result.IsValid) AfterChainUpdate(accepted.Update, now, from: null, block);
        return accepted.Result;
    }

    // ---- headers ----

    private void RequestHeaders(Peer peer, PeerSyncState state, long now, ChainEntry? from = null)
    {
        // From the best header's parent, as Bitcoin Core does, so a peer on the same tip still answers with one
        // header and we learn what it has (an empty reply would teach us nothing).
        _context.Send(peer, GetHeadersFrom(from ?? Chain.BestHeader.Parent ?? Chain.BestHeader));
        SetAwaitingHeaders(state, true);
        if (state.HeadersRequestedAt + _options.HeadersTimeout == _headersTimeout) _headersTimeoutStale = true; // a re-ask of the earliest
        state.HeadersRequestedAt = now;
        _headersTimeout = Math.Min(_headersTimeout, now + _options.HeadersTimeout);
    }

    // The last getheaders built and the header its locator starts from. A node asks each of its peers from the same
    // header at the start and after each new one, and a locator depends only on that header (its ancestors never
    // change); a sent message is never changed, so one object serves them all (a message, locator and list per
    // connection were ≈ 15 MB of the 10,000-node start).
    private GetHeadersMessage? _getHeaders;
    private ChainEntry? _getHeadersFrom;

    private GetHeadersMessage GetHeadersFrom(ChainEntry from)
    {
        if (_getHeaders is null || _getHeadersFrom != from)
        {
            _getHeaders = new GetHeadersMessage((uint)_context.Options.ProtocolVersion, new BlockLocator { Hashes = Chain.Index.GetLocator(from) }, Hash256.Zero);
            _getHeadersFrom = from;
        }
        return _getHeaders;
    }

    // Peers with an unanswered getheaders. NextWakeup runs after every input the node handles and is almost always
    // asked while none is outstanding: the count spares it a walk over every peer then.
    private int _awaitingHeaders;
    // The earliest headers deadline of those peers, walked for again only when the peer holding it was answered or
    // asked anew (stale); the start, when every outbound peer's getheaders is outstanding, asked it after every message.
    private long _headersTimeout = Time.Never;
    private bool _headersTimeoutStale;

    private void SetAwaitingHeaders(PeerSyncState state, bool awaiting)
    {
        if (state.AwaitingHeaders == awaiting) return;
        state.AwaitingHeaders = awaiting;
        _awaitingHeaders += awaiting ? 1 : -1;
        if (awaiting) return;
        if (_awaitingHeaders == 0)
        {
            _headersTimeout = Time.Never;
            _headersTimeoutStale = false;
        }
        else if (state.HeadersRequestedAt + _options.HeadersTimeout == _headersTimeout) _headersTimeoutStale = true;
    }

    private long NextHeadersTimeout()
    {
        if (!_headersTimeoutStale) return _headersTimeout;
        long next = Time.Never;
        foreach (var state in _peers.Values)
            if (state.AwaitingHeaders) next = Math.Min(next, state.HeadersRequestedAt + _options.HeadersTimeout);
        _headersTimeoutStale = false;
        return _headersTimeout = next;
    }

    private void OnHeaders(Peer peer, PeerSyncState state, HeadersMessage message, long now)
    {
        SetAwaitingHeaders(state, false);
        var headers = message.Headers;
        if (headers.Count == 0) return; // the peer has nothing after our locator

        var accepted = Chain.AcceptHeaders(headers, now);
        if (accepted.Result.Outcome == ValidationOutcome.MissingParent && accepted.Last is null)
        {
            // An announcement we cannot connect: ask for the headers between, as Bitcoin Core does, but not forever.
            if (++state.UnconnectingHeaders > SyncOptions.MaxUnconnectingHeaders)
                _context.Misbehaving(peer, $"{state.UnconnectingHeaders} headers messages that do not connect");
            else RequestHeaders(peer, state, now);
            return;
        }
        if (!accepted.Result.IsValid)
        {
            // Bitcoin Core's MaybePunishNodeForBlock lets BLOCK_TIME_FUTURE go: the header may become valid, and the
            // fault may be a clock's. The header is refused, the peer kept.
            if (accepted.Result.Outcome == ValidationOutcome.TimeTooNew)
                _context.Log(LogSeverity.Information, $"peer {peer.Id}: header refused: {accepted.Result.Reason}");
            else _context.Misbehaving(peer, $"invalid header: {accepted.Result.Reason}");
            return;
        }
        state.UnconnectingHeaders = 0;
        if (accepted.Last is { } last) state.UpdateBestKnown(last);
        if (accepted.NewCount > 0 && Chain.BestHeader.Height % 10_000 < accepted.NewCount)
            _context.Log(LogSeverity.Information, $"synced headers to height {Chain.BestHeader.Height}");

        // A full reply means the peer has more: continue from its last header.
        if (headers.Count == HeadersMessage.MaxHeaders) RequestHeaders(peer, state, now, accepted.Last);
        RequestBlocks(now);
    }

    private void OnGetHeaders(Peer peer, PeerSyncState state, GetHeadersMessage message)
    {
        List<BlockHeader> headers;
        if (message.Locator.Hashes.Count == 0)
            headers = Chain.Get(message.HashStop) is { } stop ? [stop.Header] : []; // Core: locator empty = just hashStop
        else headers = Chain.Index.GetHeadersAfter(message.Locator.Hashes, message.HashStop);
        _context.Send(peer, new HeadersMessage(headers));
        // The locator tells what the peer has: at least the fork point with our chain.
        if (message.Locator.Hashes.Count > 0)
            state.UpdateBestKnown(Chain.Index.FindLocatorFork(message.Locator.Hashes));
    }

    private void OnGetBlocks(Peer peer, GetBlocksMessage message)
    {
        var hashes = Chain.Index.GetBlockHashesAfter(message.Locator.Hashes, message.HashStop);
        var inventory = hashes.Where(h => Chain.Get(h) is { HasBody: true }).Select(h => new InvVector(InvType.Block, h)).ToList();
        if (inventory.Count > 0) _context.Send(peer, new InvMessage(inventory));
    }

    // ---- blocks ----

    private void OnGetData(Peer peer, GetDataMessage message)
    {
        List<InvVector>? missing = null;
        foreach (var item in message.Inventory)
        {
            if (item.Type is not (InvType.Block or InvType.WitnessBlock or InvType.CompactBlock)) continue;
            if (Chain.GetBlock(item.Hash) is not { } block) (missing ??= []).Add(item);
            else if (item.Type == InvType.CompactBlock && IsNearTip(item.Hash, SyncOptions.MaxCompactBlockDepth))
                _context.Send(peer, new CmpctBlockMessage(CompactFor(block)));
            else _context.Send(peer, new BlockMessage(block)); // Core answers an old MSG_CMPCT_BLOCK with the full block
        }
        if (missing is not null) _context.Send(peer, new NotFoundMessage(missing));
    }

    private void OnInv(Peer peer, PeerSyncState state, InvMessage message, long now)
    {
        Hash256? lastUnknown = null;
        foreach (var item in message.Inventory)
        {
            if (item.Type is not (InvType.Block or InvType.WitnessBlock)) continue;
            if (Chain.Get(item.Hash) is { } known) state.UpdateBestKnown(known);
            else lastUnknown = item.Hash;
        }
        // Headers first even for announcements: fetch the headers up to the block, then its body.
        if (lastUnknown is not null && !state.AwaitingHeaders) RequestHeaders(peer, state, now);
    }

    private void OnNotFound(Peer peer, PeerSyncState state, NotFoundMessage message, long now)
    {
        bool freed = false;
        foreach (var item in message.Inventory)
        {
            if (_inFlight.TryGetValue(item.Hash, out var req) && req.Peer == peer.Id)
            {
                _inFlight.Remove(item.Hash);
                state.RemoveInFlight(item.Hash);
                freed = true;
            }
        }
        if (freed) RequestBlocks(now, exclude: peer.Id);
    }

    private void OnBlock(Peer peer, PeerSyncState state, Block block, long now) => ProcessBlock(peer, state, block, now, viaCompact: false);

    /// <param name="viaCompact">Rebuilt from a cmpctblock: BIP 152 lets a high-bandwidth peer send one before it has
    /// validated the transactions, so an invalid body is not punished (Core's via_compact_block), a bad header is.</param>
    private void ProcessBlock(Peer peer, PeerSyncState state, Block block, long now, bool viaCompact)
    {
        var hash = block.GetHash();
        bool requested = _inFlight.TryGetValue(hash, out var req) && req.Peer == peer.Id;
        if (requested)
        {
            _inFlight.Remove(hash);
            state.RemoveInFlight(hash);
        }
        if (state.Partial?.Hash == hash) state.Partial = null;
        // A compact block is only rebuilt on top of our tip, so it adds work: store it as a requested one.
        requested |= viaCompact;
        // Unrequested blocks are stored only when they add work (Bitcoin's AcceptBlock rule), so a peer cannot fill
        // the disk with cheap side branches; a block from the future may become valid later and is not punished.
        var accepted = Chain.AcceptBlock(block, now, requested);
        if (!accepted.Result.IsValid && accepted.Result.Outcome is not (ValidationOutcome.MissingParent or ValidationOutcome.TimeTooNew))
        {
            if (!viaCompact) _context.Misbehaving(peer, $"invalid block {hash}: {accepted.Result.Reason}");
            else _context.Log(LogSeverity.Information, $"peer {peer.Id}: compact block {hash} is invalid: {accepted.Result.Reason}");
            // A mutated body (bad merkle root) leaves the header valid: ask another peer that has it at once, as
            // Core's next SendMessages pass does, rather than waiting for a new announcement.
            RequestBlocks(now, exclude: peer.Id);
            return;
        }
        // Only a body that passed the checks counts as received (and earns the peer Core's nLastBlockTime).
        BlockReceived?.Invoke(hash, peer.Id, now);
        ForgetRequestsFor(hash);
        if (accepted.Entry is { } entry)
        {
            state.UpdateBestKnown(entry);
            state.Stalls = 0;
            if (!accepted.AlreadyHad) BlocksDownloaded++;
        }
        else if (accepted.Result.Outcome == ValidationOutcome.MissingParent && !state.AwaitingHeaders)
        {
            RequestHeaders(peer, state, now); // an unsolicited block on a chain we do not know yet
        }
        AfterChainUpdate(accepted.Update, now, from: peer.Id, block);
        if (accepted.Update.Changed && !accepted.AlreadyHad) MaybeAskHighBandwidth(peer, state, now);
        RequestBlocks(now);
    }

    /// <param name="received">The block just accepted: handed to the handlers when it is connected, rather than read
    /// back from the store (Core's BlockConnected gets the block in hand; a disk store would decode it again).</param>
    private void AfterChainUpdate(ChainUpdate update, long now, PeerId? from, Block received)
    {
        if (!update.Changed) return;
        bool announce = Chain.BestHeader.ChainWork <= Chain.Tip.ChainWork;
        // BIP 152 high-bandwidth peers get a new block as soon as it passed the block checks, before it is connected
        // and the rest of the node hears of it (Bitcoin Core's NewPoWValidBlock): their push does not wait for the full
        // validation that the headers announcements to everyone else follow (a runtime that gives validation time,
        // the simulator's blockValidationMs, holds what comes after BlockConnected).
        if (announce) PushToHighBandwidthPeers(update, from);
        // Indexed loops: a foreach over the read-only lists would box an enumerator per list, per block, per node.
        var disconnected = update.Disconnected;
        for (int i = 0; i < disconnected.Count; i++)
            if (Chain.GetBlock(disconnected[i].Hash) is { } block) BlockDisconnected?.Invoke(block, disconnected[i], now);
        var connected = update.Connected;
        for (int i = 0; i < connected.Count; i++)
            if ((connected[i].Hash == received.GetHash() ? received : Chain.GetBlock(connected[i].Hash)) is { } block)
                BlockConnected?.Invoke(block, connected[i], now);
        if (update.IsReorganisation)
            _context.Log(LogSeverity.Information, $"reorganisation: {update.Disconnected.Count} blocks disconnected, new tip {Chain.Tip}");
        if (Chain.Height % 1000 == 0 || !IsInitialBlockDownload(now))
            _context.Log(LogSeverity.Debug, $"new tip {Chain.Tip.Hash} height {Chain.Height}");
        if (announce) Announce(update, now, from);
    }

    /// <summary>Pushes a single new tip block as cmpctblock to the BIP 152 high-bandwidth peers that lack it.</summary>
    private void PushToHighBandwidthPeers(ChainUpdate update, PeerId? from)
    {
        if (update.Connected.Count != 1 || !_options.CompactBlocks) return;
        var tipEntry = Chain.Tip;
        Block? tip = null; // looked up once, for the first high-bandwidth peer
        foreach (var peer in _context.Peers) // the table's own enumerator: no iterator objects per announcement
        {
            if (!Lacks(peer, tipEntry, from, out var state) || !state.WantsCompactPush) continue;
            if ((tip ??= Chain.GetBlock(tipEntry.Hash)) is not { } pushed) return;
            _context.Send(peer, new CmpctBlockMessage(CompactFor(pushed)));
            state.UpdateBestKnown(tipEntry);
        }
    }

    /// <summary>Announces the new tip to peers that may not have it (the high-bandwidth ones were pushed the block
    /// already): headers to BIP 130 peers, inv to the others.</summary>
    private void Announce(ChainUpdate update, long now, PeerId? from)
    {
        var connected = update.Connected;
        var tipEntry = Chain.Tip;
        // One headers message for every peer that gets this announcement: a sent message is never changed (the
        // runtimes encode it, the simulator hands it over as is), so ten peers need not get ten copies of the headers.
        HeadersMessage? headers = null;
        foreach (var peer in _context.Peers) // the table's own enumerator: no iterator objects per announcement
        {
            if (!Lacks(peer, tipEntry, from, out var state)) continue;
            if (peer.PrefersHeaders && connected.Count <= SyncOptions.MaxBlocksToAnnounce)
                _context.Send(peer, headers ??= AnnouncementOf(connected));
            else
                _context.Send(peer, new InvMessage([new InvVector(InvType.Block, tipEntry.Hash)]));
            state.UpdateBestKnown(tipEntry);
        }
    }

    /// <summary>Whether <paramref name="peer"/>, an established peer other than the one the block came
    /// <paramref name="from"/>, is not known to have <paramref name="tip"/>: the peers a new tip goes to, pushed or
    /// announced. Its sync state comes from the peer itself, as <c>_peers</c> holds it, without a lookup.</summary>
    private static bool Lacks(Peer peer, ChainEntry tip, PeerId? from, [NotNullWhen(true)] out PeerSyncState? state)
    {
        state = peer.SyncState;
        return peer.IsEstablished && peer.Id != from && state is not null && !state.Has(tip);
    }

    private static HeadersMessage AnnouncementOf(IReadOnlyList<ChainEntry> connected)
    {
        var headers = new List<BlockHeader>(connected.Count);
        for (int i = 0; i < connected.Count; i++) headers.Add(connected[i].Header);
        return new HeadersMessage { Headers = headers };
    }

    /// <summary>Fills every peer's request pipeline with missing blocks that it has, lowest heights first.</summary>
    private void RequestBlocks(long now, PeerId? exclude = null)
    {
        // The usual call while a new block downloads, once per further announcement of it: the only missing body is
        // the best header's, on our tip, and it is in flight. What the walk below would find, without it.
        var best = Chain.BestHeader;
        if (best.Parent == Chain.Tip && !best.HasBody && _options.DownloadWindow > 0 && _inFlight.ContainsKey(best.Hash))
        {
            if (_nextStallCheck == Time.Never) _nextStallCheck = now + StallCheckInterval;
            return;
        }
        var missing = _missing;
        Chain.Index.CollectMissingBodies(_options.DownloadWindow, _options.DownloadWindow, missing);
        if (missing.Count == 0) return;
        // Every announcement of a block already in flight lands here: when no missing body is free to request, no
        // peer can be given one, and the walk over the peers in id order is skipped; it ends once none is left.
        int free = 0;
        foreach (var entry in missing) if (!_inFlight.ContainsKey(entry.Hash)) free++;
        // Peers in id order so the schedule is deterministic.
        for (int p = 0; p < _peersById.Count && free > 0; p++)
        {
            var (id, state) = _peersById[p];
            if (id == exclude || state.InFlightCount >= _options.MaxBlocksInFlightPerPeer) continue;
            if (!_context.Peers.TryGetValue(id, out var peer) || !peer.IsEstablished) continue;
            List<InvVector>? request = null;
            for (int i = 0; i < missing.Count && state.InFlightCount < _options.MaxBlocksInFlightPerPeer; i++)
            {
                var entry = missing[i];
                if (_inFlight.ContainsKey(entry.Hash) || !state.Has(entry)) continue;
                _inFlight[entry.Hash] = (id, now);
                state.InFlight.Add(entry.Hash);
                free--;
                (request ??= []).Add(new InvVector(WantsCompact(state, entry, now) ? InvType.CompactBlock : InvType.WitnessBlock, entry.Hash));
            }
            if (request is not null) _context.Send(peer, new GetDataMessage(request));
        }
        missing.Clear(); // holds no entry past the call
        if (_inFlight.Count > 0 && _nextStallCheck == Time.Never) _nextStallCheck = now + StallCheckInterval;
    }

    private void AddById(PeerId id, PeerSyncState state)
    {
        int i = IndexById(id);
        if (i >= 0) _peersById[i] = new(id, state);
        else _peersById.Insert(~i, new(id, state));
    }

    /// <summary>Where <paramref name="id"/> is in <see cref="_peersById"/>, or the complement of where it would go.</summary>
    private int IndexById(PeerId id)
    {
        int lo = 0, hi = _peersById.Count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >> 1;
            long at = _peersById[mid].Key.Value;
            if (at == id.Value) return mid;
            if (at < id.Value) lo = mid + 1; else hi = mid - 1;
        }
        return ~lo;
    }

    private void CheckStalls(long now)
    {
        _nextStallCheck = Time.Never;
        // Most checks find nothing stalled (a block is in flight for well under the timeout): look before building lists.
        bool any = false;
        foreach (var (_, request) in _inFlight)
            if (now - request.RequestedAt >= _options.StallTimeout) { any = true; break; }
        if (!any)
        {
            if (_inFlight.Count > 0) _nextStallCheck = now + StallCheckInterval;
            return;
        }
        var stalled = _inFlight.Where(kv => now - kv.Value.RequestedAt >= _options.StallTimeout).ToList();
        foreach (var (hash, req) in stalled)
        {
            _inFlight.Remove(hash);
            if (!_peers.TryGetValue(req.Peer, out var state)) continue;
            state.RemoveInFlight(hash);
            if (state.Partial?.Hash == hash) state.Partial = null;
            state.Stalls++;
            if (state.Stalls >= _options.MaxStalls && _context.Peers.TryGetValue(req.Peer, out var peer))
                _context.Close(peer, new DisconnectReason(DisconnectCode.Requested, "stalled block download"));
        }
        if (stalled.Count > 0)
        {
            _context.Log(LogSeverity.Information, $"{stalled.Count} block requests stalled; asking other peers");
            foreach (var peerId in stalled.Select(s => s.Value.Peer).Distinct()) RequestBlocks(now, exclude: peerId);
        }
        if (_inFlight.Count > 0) _nextStallCheck = now + StallCheckInterval;
    }
}

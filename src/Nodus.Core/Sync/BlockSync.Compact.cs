using Nodus.Core.Chain;
using Nodus.Core.Peers;
using Nodus.Wire.Encoding;
using Nodus.Wire.Messages;
using Nodus.Wire.Types;

namespace Nodus.Core.Sync;

/// <summary>
/// BIP 152 compact block relay, as Bitcoin Core does it with version 2 (wtxid short ids). Every peer of protocol
/// 70014 or later is offered low-bandwidth mode with sendcmpct(0, 2): it announces with headers and we fetch a block
/// that extends our tip with getdata MSG_CMPCT_BLOCK. The last three peers that gave us a new block first are asked
/// for high-bandwidth mode, sendcmpct(1, 2), and push their next block as cmpctblock at once. A cmpctblock is rebuilt
/// from the mempool; what is missing comes with getblocktxn/blocktxn; a short id collision or a mismatching merkle
/// root falls back to the full block. Blocks further from the tip (initial sync) keep the headers-first path.
/// </summary>
public sealed partial class BlockSync
{
    /// <summary>Peers asked to push compact blocks to us, oldest first (at most <see cref="SyncOptions.MaxHighBandwidthPeers"/>).</summary>
    private readonly List<PeerId> _highBandwidthFrom = [];

    // The compact form of the last block announced: every high-bandwidth peer gets the same one, as in Core. It is
    // held weakly with its nonce: it is wanted while the block spreads (pushes, getdata, getblocktxn), then it would
    // sit a whole block interval in the oldest generation — 10 KB per node and block, ≈ 100 MB of garbage per block
    // at 10,000 simulated nodes. Once collected it is rebuilt from the same nonce, the very same short ids.
    private Hash256 _lastCompactHash;
    private ulong _lastCompactNonce;
    private WeakReference<CompactBlock>? _lastCompact;

    /// <summary>The transactions a compact block is rebuilt from, in the order they are tried: the mempool (set by
    /// the composition).</summary>
    public Func<IReadOnlyList<CandidateRun>> CompactCandidates { get; set; } = () => [];

    /// <summary>
    /// Lets the simulator hand back the one shared object of a block that a node has just rebuilt, so that thousands
    /// of simulated nodes do not each keep (and validate) their own copy of the same block, as they share the object
    /// of a relayed full block (and do not each build a copy first). A real node leaves it unset.
    /// </summary>
    public SharedBlockLookup? ShareRebuiltBlock { get; set; }

    /// <summary>Blocks rebuilt from cmpctblock, those that needed getblocktxn, and those that fell back to a full block.</summary>
    public long CompactBlocksRebuilt { get; private set; }
    public long CompactBlocksNeedingTransactions { get; private set; }
    public long CompactBlocksFailed { get; private set; }

    private void OfferCompactBlocks(Peer peer)
    {
        if (_options.CompactBlocks && peer.Version >= SyncOptions.ShortIdsBlocksVersion)
            _context.Send(peer, new SendCmpctMessage(highBandwidth: false));
    }

    private void OnSendCmpct(PeerSyncState state, SendCmpctMessage message)
    {
        // Only version 2 is spoken, as by Bitcoin Core since 22.0; other versions are ignored, not punished.
        if (!_options.CompactBlocks || message.Version != SendCmpctMessage.SegwitVersion) return;
        state.ProvidesCompact = true;
        state.WantsCompactPush = message.HighBandwidth;
    }

    /// <summary>Ask for a compact block only for the child of our tip, out of initial sync (Core's direct fetch).</summary>
    private bool WantsCompact(PeerSyncState state, ChainEntry entry, long now) =>
        _options.CompactBlocks && state.ProvidesCompact && entry.Parent == Chain.Tip && TipIsRecent(now);

    /// <summary>Out of initial sync by the tip's age alone (a best header ahead of the tip is the normal case here).</summary>
    private bool TipIsRecent(long now) => Time.FromUnixSeconds(Chain.Tip.Time) >= now - SyncOptions.MaxTipAge;

    private bool IsNearTip(Hash256 hash, int depth) => Chain.Get(hash) is { } entry && entry.Height >= Chain.Height - depth;

    private CompactBlock CompactFor(Block block)
    {
        var hash = block.GetHash();
        if (_lastCompact is not null && _lastCompactHash == hash)
        {
            if (_lastCompact.TryGetTarget(out var kept)) return kept;
        }
        else
        {
            _lastCompactHash = hash;
            _lastCompactNonce = (ulong)_context.Random.NextInt64();
        }
        var compact = CompactBlock.FromBlock(block, _lastCompactNonce);
        if (_lastCompact is null) _lastCompact = new WeakReference<CompactBlock>(compact);
        else _lastCompact.SetTarget(compact);
        return compact;
    }

    /// <summary>
    /// A peer gave us a new block first: make it one of our high-bandwidth peers, dropping the oldest beyond three
    /// (Core's MaybeSetPeerAsAnnouncingHeaderAndIDs).
    /// </summary>
    private void MaybeAskHighBandwidth(Peer peer, PeerSyncState state, long now)
    {
        if (!_options.CompactBlocks || !state.ProvidesCompact || !TipIsRecent(now)) return;
        int at = _highBandwidthFrom.IndexOf(peer.Id);
        if (at >= 0)
        {
            _highBandwidthFrom.RemoveAt(at);
            _highBandwidthFrom.Add(peer.Id);
            return;
        }
        if (_highBandwidthFrom.Count >= SyncOptions.MaxHighBandwidthPeers)
        {
            var oldest = _highBandwidthFrom[0];
            _highBandwidthFrom.RemoveAt(0);
            if (_context.Peers.TryGetValue(oldest, out var dropped)) _context.Send(dropped, new SendCmpctMessage(highBandwidth: false));
        }
        _highBandwidthFrom.Add(peer.Id);
        _context.Send(peer, new SendCmpctMessage(highBandwidth: true));
    }

    private void OnCmpctBlock(Peer peer, PeerSyncState state, CompactBlock compact, long now)
    {
        if (!_options.CompactBlocks) return;
        var header = Chain.AcceptHeader(compact.Header, now);
        if (header.Result.Outcome == ValidationOutcome.MissingParent)
        {
            // Like an unconnecting headers announcement: fetch the headers between (Core sends getheaders).
            if (!state.AwaitingHeaders) RequestHeaders(peer, state, now);
            return;
        }
        // A block already known invalid: Core exempts compact block peers from its cached-invalid penalty.
        if (header.Entry is { IsInvalid: true }) return;
        if (!header.Result.IsValid || header.Entry is not { } entry)
        {
            if (header.Result.Outcome == ValidationOutcome.TimeTooNew) // not punished, as for a headers message
                _context.Log(LogSeverity.Information, $"peer {peer.Id}: cmpctblock header refused: {header.Result.Reason}");
            else _context.Misbehaving(peer, $"invalid header in cmpctblock: {header.Result.Reason}");
            return;
        }
        state.UpdateBestKnown(entry);
        var hash = entry.Hash;
        bool fromThisPeer = _inFlight.TryGetValue(hash, out var req) && req.Peer == peer.Id;
        bool elsewhere = _inFlight.ContainsKey(hash) && !fromThisPeer;
        if (entry.HasBody)
        {
            if (fromThisPeer)
            {
                _inFlight.Remove(hash);
                state.RemoveInFlight(hash);
            }
            return;
        }
        if (entry.Parent != Chain.Tip)
        {
            // Not the next block: treat it as a headers announcement and let the normal download take it.
            RequestBlocks(now);
            return;
        }

        var (status, partial) = PartialBlock.Start(compact, CompactCandidates());
        if (status == ReconstructionStatus.Invalid)
        {
            _context.Misbehaving(peer, $"invalid compact block {hash}");
            return;
        }
        if (status == ReconstructionStatus.Failed)
        {
            if (!elsewhere) RequestFullBlock(peer, state, hash, now);
            return;
        }
        if (partial!.IsComplete)
        {
            FinishCompact(peer, state, partial, [], now);
            return;
        }
        // Another peer is already sending this block: a rebuild that needs a round trip is started here too only from
        // an outbound peer, and only while fewer than 3 peers are at it (Bitcoin Core 26's parallel compact blocks);
        // whichever answers first completes the block, and the others are dropped then (ProcessBlock).
        if (elsewhere && (peer.IsInbound || state.Partial is not null || CompactRebuildsOf(hash) >= SyncOptions.MaxCompactBlocksInFlightPerBlock))
        {
            partial.Release();
            return;
        }
        if (!elsewhere && !fromThisPeer) MarkInFlight(peer, state, hash, now);
        state.Partial = partial;
        CompactBlocksNeedingTransactions++;
        _context.Send(peer, new GetBlockTxnMessage(new BlockTransactionsRequest { BlockHash = hash, Indexes = partial.MissingIndexes() }));
    }

    /// <summary>Peers rebuilding <paramref name="hash"/>: the one it is requested from, and those with a partial block of it.</summary>
    private int CompactRebuildsOf(Hash256 hash)
    {
        var requestedFrom = _inFlight.TryGetValue(hash, out var request) ? request.Peer : (PeerId?)null;
        int count = requestedFrom is null ? 0 : 1;
        foreach (var (id, s) in _peersById)
            if (id != requestedFrom && s.Partial?.Hash == hash) count++;
        return count;
    }

    /// <summary>A block has arrived: whoever else was asked for it, or was rebuilding it, is no longer waited for
    /// (Bitcoin Core's RemoveBlockRequest for every peer), so no one is counted as stalling for a block we have.</summary>
    private void ForgetRequestsFor(Hash256 hash)
    {
        if (_inFlight.Remove(hash, out var request) && _peers.TryGetValue(request.Peer, out var requested))
            requested.RemoveInFlight(hash);
        foreach (var (_, s) in _peersById)
            if (s.Partial is { } partial && partial.Hash == hash)
            {
                partial.Release();
                s.Partial = null;
            }
    }

    private void OnBlockTxn(Peer peer, PeerSyncState state, BlockTransactions message, long now)
    {
        // Transactions for a block we are not rebuilding from this peer are ignored, as Core ignores them.
        if (state.Partial is not { } partial || partial.Hash != message.BlockHash) return;
        state.Partial = null;
        FinishCompact(peer, state, partial, message.Transactions, now);
    }

    private void FinishCompact(Peer peer, PeerSyncState state, PartialBlock partial, IReadOnlyList<Transaction> missing, long now)
    {
        var (status, block) = partial.Fill(missing, ShareRebuiltBlock);
        partial.Release(); // filled or given up: nothing refers to it any more
        if (status == ReconstructionStatus.Invalid)
        {
            _context.Misbehaving(peer, $"blocktxn for {partial.Hash} does not match the request");
            return;
        }
        if (status == ReconstructionStatus.Failed)
        {
            RequestFullBlock(peer, state, partial.Hash, now);
            return;
        }
        CompactBlocksRebuilt++;
        ProcessBlock(peer, state, block!, now, viaCompact: true);
    }

    /// <summary>The fallback: getdata for the whole block from the same peer (Core: "might have collided, fall back to getdata").</summary>
    private void RequestFullBlock(Peer peer, PeerSyncState state, Hash256 hash, long now)
    {
        CompactBlocksFailed++;
        if (!(_inFlight.TryGetValue(hash, out var req) && req.Peer == peer.Id)) MarkInFlight(peer, state, hash, now);
        _context.Send(peer, new GetDataMessage([new InvVector(InvType.WitnessBlock, hash)]));
    }

    private void MarkInFlight(Peer peer, PeerSyncState state, Hash256 hash, long now)
    {
        _inFlight[hash] = (peer.Id, now);
        state.InFlight.Add(hash);
        if (_nextStallCheck == Time.Never) _nextStallCheck = now + StallCheckInterval;
    }

    private void OnGetBlockTxn(Peer peer, BlockTransactionsRequest request)
    {
        if (Chain.GetBlock(request.BlockHash) is not { } block) return; // Core logs and ignores an unknown block
        if (!IsNearTip(request.BlockHash, SyncOptions.MaxBlockTxnDepth))
        {
            _context.Send(peer, new BlockMessage(block)); // too deep to serve in parts: Core sends it whole
            return;
        }
        var txs = block.Transactions;
        var reply = new BlockTransactions { BlockHash = request.BlockHash, Transactions = new List<Transaction>(request.Indexes.Count) };
        foreach (int index in request.Indexes)
        {
            if (index >= txs.Count)
            {
                _context.Misbehaving(peer, "getblocktxn with out-of-bounds tx indices");
                return;
            }
            reply.Transactions.Add(txs[index]);
        }
        _context.Send(peer, new BlockTxnMessage(reply));
    }
}

using Nodus.Wire.Encoding;
using Nodus.Wire.Types;

namespace Nodus.Core.Chain;

/// <summary>The fate of one header: its entry when valid (new or already known).</summary>
public readonly record struct HeaderAcceptance(ValidationResult Result, ChainEntry? Entry, bool IsNew);

/// <summary>The fate of a headers message: how many were new, the last accepted entry, and the first failure if any.</summary>
public readonly record struct HeadersAcceptance(ValidationResult Result, ChainEntry? Last, int NewCount);

/// <summary>
/// The fate of a block: its entry, whether we already had it, how the active chain moved, and whether its body was
/// stored (false for a valid but unrequested block that would not add work: see <see cref="ChainState.AcceptBlock"/>).
/// </summary>
public readonly record struct BlockAcceptance(ValidationResult Result, ChainEntry? Entry, bool AlreadyHad, ChainUpdate Update, bool Stored = false);

/// <summary>
/// The chain component the engine talks to: validates headers and blocks, keeps the <see cref="ChainIndex"/> and
/// persists every accepted header and body through an <see cref="IChainStore"/> in one atomic write per call.
/// Pure: time comes in as <c>now</c> (microseconds since the Unix epoch); invalid input gives a result, never an exception.
/// </summary>
public sealed class ChainState
{
    /// <summary>Bitcoin Core's DEFAULT_CHECKBLOCKS: the newest active blocks fully re-validated at start.</summary>
    public const int VerifyBlocksOnStart = 6;

    /// <summary>Bitcoin Core's MIN_BLOCKS_TO_KEEP as used in AcceptBlock: an unrequested block this far past our tip is not stored.</summary>
    public const int MaxUnrequestedBlocksAhead = 288;

    private readonly IChainStore _store;
    private readonly ChainBatch _batch = new(); // reused by AcceptHeader(s) and AcceptBlock (none calls another)
    private readonly ITransactionValidator _validator;

    private ChainState(NetworkParams network, IChainStore store, ITransactionValidator validator, int maxSideHeaders)
    {
        Network = network;
        _store = store;
        _validator = validator;
        Index = new ChainIndex(network, maxSideHeaders);
    }

    public NetworkParams Network { get; }
    public ChainIndex Index { get; }
    public ChainEntry Tip => Index.Tip;
    public int Height => Index.Height;
    public ChainEntry BestHeader => Index.BestHeader;

    /// <summary>Stored headers not re-linked or failing re-verification at start: zero for an intact store unless side branches were pruned.</summary>
    public int SkippedOnLoad { get; private set; }

    /// <summary>
    /// Opens the chain in <paramref name="store"/>: a new store gets the genesis block; an existing one is loaded,
    /// every header's proof of work, link, height and work re-checked, and the newest blocks re-validated.
    /// Throws <see cref="ChainStoreException"/> when the store belongs to another network or its newest blocks are corrupt.
    /// </summary>
    public static ChainState Open(NetworkParams network, IChainStore store, ITransactionValidator? validator = null,
        int maxSideHeaders = ChainIndex.MaxSideHeaders)
    {
        var state = new ChainState(network, store, validator ?? PermissiveTransactionValidator.Instance, maxSideHeaders);
        state.Load();
        return state;
    }

    private void Load()
    {
        var snapshot = _store.Load();
        var genesis = Index.Genesis;
        if (snapshot.Headers.Count == 0)
        {
            var batch = new ChainBatch { Body = Network.Genesis, ActiveChain = new ActiveChainChange(-1, [genesis.Hash]) };
            batch.Headers.Add(ToStored(genesis));
            _store.Write(batch);
            return;
        }
        if (snapshot.Headers[0].Hash != genesis.Hash)
            throw new ChainStoreException($"the store holds a chain with genesis {snapshot.Headers[0].Hash}, not {Network.Name}'s {genesis.Hash}");

        for (int i = 1; i < snapshot.Headers.Count; i++)
        {
            var stored = snapshot.Headers[i];
            var parent = Index.Get(stored.Header.PrevBlock);
            bool intact = parent is not null && !Index.Contains(stored.Hash) && stored.Header.GetHash() == stored.Hash &&
                          HeaderValidator.CheckProofOfWork(stored.Header, stored.Hash, Network).IsValid &&
                          stored.Header.Bits == DifficultyRule.NextBits(parent, Network);
            if (!intact) { SkippedOnLoad++; continue; }
            var entry = Index.Add(stored.Header, stored.Hash, parent!);
            if (entry.Height != stored.Height || entry.ChainWork != stored.ChainWork) SkippedOnLoad++;
        }

        // Bodies of the stored active chain first, so that ties between equal-work chains resolve as before the restart.
        foreach (var hash in snapshot.ActiveChain)
            if (snapshot.Bodies.Contains(hash) && Index.Get(hash) is { } entry) Index.SetHasBody(entry);
        foreach (var hash in snapshot.Bodies)
            if (Index.Get(hash) is { } entry) Index.SetHasBody(entry);

        VerifyNewestBlocks();

        bool same = snapshot.ActiveChain.Count == Index.Height + 1;
        for (int h = 0; same && h <= Index.Height; h++) same = snapshot.ActiveChain[h] == Index.GetActive(h)!.Hash;
        if (!same)
        {
            var connected = new List<Hash256>();
            for (int h = 1; h <= Index.Height; h++) connected.Add(Index.GetActive(h)!.Hash);
            _store.Write(new ChainBatch { ActiveChain = new ActiveChainChange(0, connected) });
        }
    }

    private void VerifyNewestBlocks()
    {
        for (int h = Index.Height; h > 0 && h > Index.Height - VerifyBlocksOnStart; h--)
        {
            var entry = Index.GetActive(h)!;
            var block = _store.ReadBlock(entry.Hash);
            var result = block is null ? ValidationResult.Invalid("body missing")
                : block.GetHash() != entry.Hash ? ValidationResult.Invalid("body does not match its header")
                : BlockValidator.CheckBlockInContext(block, h, entry.Parent!.GetMedianTimePast(), Network, _validator);
            if (!result.IsValid) throw new ChainStoreException($"stored block {entry.Hash} at height {h} fails verification: {result.Reason}");
        }
    }

    private static StoredHeader ToStored(ChainEntry e) => new(e.Hash, e.Header, e.Height, e.ChainWork);

    public ChainEntry? Get(Hash256 hash) => Index.Get(hash);

    /// <summary>A stored block body, or null when we only have its header (or nothing).</summary>
    public Block? GetBlock(Hash256 hash) => Index.Get(hash) is { HasBody: true } ? _store.ReadBlock(hash) : null;

    /// <summary>Validates and stores one header (Bitcoin's AcceptBlockHeader).</summary>
    public HeaderAcceptance AcceptHeader(in BlockHeader header, long now)
    {
        // The shared batch (stores copy what they keep): every cmpctblock comes here, mostly for a header we have.
        var batch = _batch;
        batch.Clear();
        var result = AcceptHeader(header, now, batch);
        if (!batch.IsEmpty) _store.Write(batch);
        return result;
    }

    private HeaderAcceptance AcceptHeader(in BlockHeader received, long now, ChainBatch batch)
    {
        // A copy, so that the entry keeps the hash with the header (BlockHeader memoises it on a mutable location).
        var header = received;
        var hash = header.GetHash();
        if (Index.Get(hash) is { } known)
            return known.IsInvalid
                ? new HeaderAcceptance(ValidationResult.Invalid("duplicate-invalid"), known, false)
                : new HeaderAcceptance(ValidationResult.Ok, known, false);

        var pow = HeaderValidator.CheckProofOfWork(header, hash, Network);
        if (!pow.IsValid) return new HeaderAcceptance(pow, null, false);
        var parent = Index.Get(header.PrevBlock);
        if (parent is null) return new HeaderAcceptance(new ValidationResult(ValidationOutcome.MissingParent, "prev-blk-not-found"), null, false);
        if (parent.IsInvalid) return new HeaderAcceptance(ValidationResult.Invalid("bad-prevblk"), null, false);
        var contextual = HeaderValidator.CheckContextual(header, parent, Network, now);
        if (!contextual.IsValid) return new HeaderAcceptance(contextual, null, false);

        var entry = Index.Add(header, hash, parent);
        batch.Headers.Add(ToStored(entry));
        return new HeaderAcceptance(ValidationResult.Ok, entry, true);
    }

    /// <summary>
    /// Validates and stores the headers of one headers message in one write. They must form a chain; processing stops
    /// at the first failure, keeping the valid headers before it.
    /// </summary>
    public HeadersAcceptance AcceptHeaders(IReadOnlyList<BlockHeader> headers, long now)
    {
        // One batch for every call (stores copy what they keep): nearly every headers message is an announcement of a
        // header we have, which writes nothing, and a node gets about ten for each block.
        var batch = _batch;
        batch.Clear();
        ChainEntry? last = null;
        int added = 0;
        var result = ValidationResult.Ok;
        for (int i = 0; i < headers.Count; i++)
        {
            if (i > 0 && headers[i].PrevBlock != last!.Hash)
            {
                result = ValidationResult.Invalid("non-continuous headers sequence");
                break;
            }
            var accepted = AcceptHeader(headers[i], now, batch);
            if (!accepted.Result.IsValid)
            {
                result = accepted.Result;
                break;
            }
            last = accepted.Entry;
            if (accepted.IsNew) added++;
        }
        if (!batch.IsEmpty) _store.Write(batch);
        return new HeadersAcceptance(result, last, added);
    }

    /// <summary>
    /// Validates a block (its header first if new), stores its body and moves the active chain when the block
    /// completes a chain with more work. Header, body and chain move are one atomic write.
    /// </summary>
    /// <param name="requested">
    /// False for a block nobody asked for. As in Bitcoin Core, its body is then stored only when it would give a chain
    /// with more work than the active one and is at most <see cref="MaxUnrequestedBlocksAhead"/> past the tip, so
    /// that a peer cannot fill the disk with cheap side-branch blocks (its header is still kept).
    /// </param>
    public BlockAcceptance AcceptBlock(Block block, long now, bool requested = true)
    {
        var batch = _batch; // stores copy what they keep
        batch.Clear();
        try
        {
            var header = AcceptHeader(block.Header, now, batch);
            if (!header.Result.IsValid) return new BlockAcceptance(header.Result, header.Entry, false, ChainUpdate.None);
            var entry = header.Entry!;
            if (entry.HasBody) return new BlockAcceptance(ValidationResult.Ok, entry, true, ChainUpdate.None);
            if (!requested && (entry.ChainWork <= Tip.ChainWork || entry.Height > Tip.Height + MaxUnrequestedBlocksAhead))
                return new BlockAcceptance(ValidationResult.Ok, entry, false, ChainUpdate.None, Stored: false);

            var result = BlockValidator.CheckBlockInContext(block, entry.Height, entry.Parent!.GetMedianTimePast(), Network, _validator, checkProofOfWork: false);
            if (!result.IsValid)
            {
                // A corrupted body does not condemn its header; any other broken rule does, with all descendants.
                if (!BlockValidator.IsPossibleMutation(result.Reason)) Index.MarkInvalid(entry);
                return new BlockAcceptance(result, entry, false, ChainUpdate.None);
            }

            batch.Body = block;
            var update = Index.SetHasBody(entry);
            if (update.Changed)
            {
                var connected = new Hash256[update.Connected.Count];
                for (int i = 0; i < connected.Length; i++) connected[i] = update.Connected[i].Hash;
                batch.ActiveChain = new ActiveChainChange(update.ForkPoint!.Height, connected);
            }
            return new BlockAcceptance(ValidationResult.Ok, entry, false, update, Stored: true);
        }
        finally
        {
            if (!batch.IsEmpty) _store.Write(batch);
        }
    }
}

/// <summary>The store cannot be used for this network or is damaged beyond what loading can skip.</summary>
public sealed class ChainStoreException(string message) : Exception(message);

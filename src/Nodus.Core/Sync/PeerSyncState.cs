using Nodus.Core.Chain;
using Nodus.Wire.Encoding;

namespace Nodus.Core.Sync;

/// <summary>What block sync knows about one peer: its best header, the blocks we await from it, its stalls.</summary>
internal sealed class PeerSyncState
{
    /// <summary>The most-work header this peer is known to have (from its headers or announcements).</summary>
    public ChainEntry? BestKnown;

    /// <summary>Blocks requested from this peer, in request order (bounded by MaxBlocksInFlightPerPeer). Made on first
    /// use: most peers are never asked for a block, and a simulation holds hundreds of thousands of them.</summary>
    public List<Hash256> InFlight => _inFlight ??= [];
    private List<Hash256>? _inFlight;
    public int InFlightCount => _inFlight?.Count ?? 0;

    /// <summary>A requested block arrived, was refused or stalled; the list goes when empty (most peers serve one
    /// block now and then, and a kept list of four slots per peer adds up to megabytes in a simulation).</summary>
    public void RemoveInFlight(Hash256 hash)
    {
        if (_inFlight is null || !_inFlight.Remove(hash) || _inFlight.Count > 0) return;
        _inFlight = null;
    }

    public long HeadersRequestedAt = long.MinValue;
    public bool AwaitingHeaders;
    /// <summary>Waiting for the headers-sync peer to finish before we ask this one.</summary>
    public bool HeadersDeferred;
    public int UnconnectingHeaders;
    public int Stalls;

    /// <summary>The peer sent sendcmpct version 2 (BIP 152): it can be asked for compact blocks.</summary>
    public bool ProvidesCompact;
    /// <summary>The peer asked for high-bandwidth mode: push new blocks to it as cmpctblock before it asks.</summary>
    public bool WantsCompactPush;
    /// <summary>The compact block being rebuilt from this peer, waiting for its blocktxn (at most one, as in Core).</summary>
    public PartialBlock? Partial;

    public void UpdateBestKnown(ChainEntry entry)
    {
        if (BestKnown is null || entry.ChainWork > BestKnown.ChainWork) BestKnown = entry;
    }

    public bool Has(ChainEntry entry) => BestKnown is not null && BestKnown.Height >= entry.Height && BestKnown.GetAncestor(entry.Height) == entry;
}
